/* JavaScript tokenizer: see lexer.h. Every read is bounds-checked against len. */
#include <string.h>
#include "modules/lexer.h"

void dw__lex_init(dw__lexer *lx, const char *src, uint32_t len, uint32_t *tpl_stack) {
  memset(lx, 0, sizeof *lx);
  lx->src = src;
  lx->len = len;
  lx->tpl = tpl_stack;
}

size_t dw__line_term(const char *p, size_t avail) {
  if (avail == 0) return 0;
  if (p[0] == '\n' || p[0] == '\r') return 1;
  if (avail >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
      ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9))
    return 3;
  return 0;
}

/* Length of a non-ASCII whitespace sequence at p (NBSP, BOM, Unicode spaces), or 0. */
static size_t uni_space(const unsigned char *p, size_t avail) {
  if (avail >= 2 && p[0] == 0xC2 && p[1] == 0xA0) return 2;
  if (avail < 3) return 0;
  if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) return 3;
  if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] <= 0x8A || p[2] == 0xAF)) return 3;
  if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) return 3;
  if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
  if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) return 3;
  return 0;
}

static bool ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c == '\\' ||
         c >= 0x80;
}

static bool ident_part(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

/* Length of an identifier starting at pos (stops before Unicode spaces/line terminators). */
static uint32_t ident_len(const dw__lexer *lx, uint32_t pos) {
  uint32_t p = pos;
  while (p < lx->len) {
    const unsigned char *c = (const unsigned char *)lx->src + p;
    size_t avail = lx->len - p;
    if (!ident_part(*c)) break;
    if (*c >= 0x80 && (uni_space(c, avail) || dw__line_term((const char *)c, avail))) break;
    /* \uXXXX escape: the 'u' and the digits are identifier parts anyway; a backslash
     * never swallows the character after it (it might be a line terminator) */
    p++;
  }
  return p > lx->len ? lx->len - pos : p - pos;
}

/* Skips whitespace and comments; returns true if a line terminator was crossed. */
static bool skip_space(dw__lexer *lx) {
  bool nl = false;
  const char *s = lx->src;
  while (lx->pos < lx->len) {
    uint32_t p = lx->pos;
    unsigned char c = (unsigned char)s[p];
    size_t avail = lx->len - p;
    size_t n;
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
      lx->pos++;
    } else if ((n = dw__line_term(s + p, avail)) != 0) {
      nl = true;
      lx->pos += (uint32_t)n;
    } else if (c >= 0x80 && (n = uni_space((const unsigned char *)s + p, avail)) != 0) {
      lx->pos += (uint32_t)n;
    } else if (c == '/' && avail >= 2 && s[p + 1] == '/') {
      lx->pos += 2;
      while (lx->pos < lx->len && !dw__line_term(s + lx->pos, lx->len - lx->pos)) lx->pos++;
    } else if (c == '/' && avail >= 2 && s[p + 1] == '*') {
      lx->pos += 2;
      for (;;) {
        if (lx->pos >= lx->len) break;
        if (s[lx->pos] == '*' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '/') {
          lx->pos += 2;
          break;
        }
        if (dw__line_term(s + lx->pos, lx->len - lx->pos)) nl = true;
        lx->pos++;
      }
    } else {
      break;
    }
  }
  return nl;
}

/* Scans template characters after ` or }; sets the token type by how it ended. */
static void scan_template(dw__lexer *lx, dw__tok *t, bool head) {
  const char *s = lx->src;
  while (lx->pos < lx->len) {
    char c = s[lx->pos];
    if (c == '\\') {
      lx->pos += 2;
      continue;
    }
    if (c == '`') {
      lx->pos++;
      t->type = head ? DW_TK_TPL : DW_TK_TPL_TAIL;
      return;
    }
    if (c == '$' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '{') {
      lx->pos += 2;
      t->type = head ? DW_TK_TPL_HEAD : DW_TK_TPL_MID;
      if (lx->tpl_depth >= DW__MAX_NEST) {
        lx->too_deep = true;
      } else {
        lx->tpl[lx->tpl_depth++] = lx->brace;
      }
      lx->brace++;
      return;
    }
    lx->pos++;
  }
  if (lx->pos > lx->len) lx->pos = lx->len;
  t->type = head ? DW_TK_TPL : DW_TK_TPL_TAIL; /* unterminated: the engine reports it */
}

static void scan_string(dw__lexer *lx, char q) {
  const char *s = lx->src;
  while (lx->pos < lx->len) {
    char c = s[lx->pos];
    if (c == '\\') {
      lx->pos += 2;
      /* \r\n line continuation */
      if (lx->pos < lx->len && s[lx->pos - 1] == '\r' && s[lx->pos] == '\n') lx->pos++;
      continue;
    }
    if (c == q) {
      lx->pos++;
      return;
    }
    if (c == '\n' || c == '\r') return; /* unterminated */
    lx->pos++;
  }
  if (lx->pos > lx->len) lx->pos = lx->len;
}

static void scan_regex(dw__lexer *lx) {
  const char *s = lx->src;
  bool in_class = false;
  while (lx->pos < lx->len) {
    char c = s[lx->pos];
    if (dw__line_term(s + lx->pos, lx->len - lx->pos)) return; /* unterminated */
    if (c == '\\') {
      lx->pos += 2;
      continue;
    }
    lx->pos++;
    if (c == '[') in_class = true;
    else if (c == ']') in_class = false;
    else if (c == '/' && !in_class) break;
  }
  if (lx->pos > lx->len) lx->pos = lx->len;
  lx->pos += ident_len(lx, lx->pos); /* flags */
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void scan_number(dw__lexer *lx) {
  const char *s = lx->src;
  uint32_t p = lx->pos;
  if (s[p] == '0' && p + 1 < lx->len && strchr("xXoObB", s[p + 1]) && s[p + 1]) {
    p += 2;
    while (p < lx->len && ident_part((unsigned char)s[p])) p++;
    lx->pos = p;
    return;
  }
  while (p < lx->len && (is_digit(s[p]) || s[p] == '_')) p++;
  if (p < lx->len && s[p] == '.') {
    p++;
    while (p < lx->len && (is_digit(s[p]) || s[p] == '_')) p++;
  }
  if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
    uint32_t q = p + 1;
    if (q < lx->len && (s[q] == '+' || s[q] == '-')) q++;
    if (q < lx->len && is_digit(s[q])) {
      p = q;
      while (p < lx->len && (is_digit(s[p]) || s[p] == '_')) p++;
    }
  }
  while (p < lx->len && ident_part((unsigned char)s[p])) p++; /* n suffix, or junk */
  lx->pos = p;
}

/* Multi-character punctuators, longest first. Their lengths are stored and the first byte is
 * compared before anything else: the lexer meets a punctuator every few bytes, and trying
 * each of these with strlen + memcmp was most of a cold start's time for a large module
 * (bench/compare/costs.py: 88% of a 1 MB module's cold start was the transform, most of it
 * here). */
static const struct {
  char s[5];
  uint8_t n;
} ops[] = {
  {">>>=", 4}, {"...", 3}, {"===", 3}, {"!==", 3}, {"**=", 3}, {"<<=", 3}, {">>=", 3}, {">>>", 3},
  {"&&=", 3}, {"||=", 3}, {"?\?=", 3}, {"=>", 2}, {"==", 2}, {"!=", 2}, {"<=", 2}, {">=", 2},
  {"&&", 2}, {"||", 2}, {"??", 2}, {"?.", 2}, {"++", 2}, {"--", 2}, {"+=", 2}, {"-=", 2},
  {"*=", 2}, {"/=", 2}, {"%=", 2}, {"&=", 2}, {"|=", 2}, {"^=", 2}, {"**", 2}, {"<<", 2},
  {">>", 2},
};

static void scan_punct(dw__lexer *lx, dw__tok *t) {
  const char *s = lx->src + lx->pos;
  size_t avail = lx->len - lx->pos;
  /* Most punctuators ( ) { } , ; [ ] : ~ start no longer one. */
  bool multi = avail > 1 && s[0] && strchr(">.=!*<&|?+-/%^", s[0]) != NULL;
  for (size_t i = 0; multi && i < sizeof ops / sizeof ops[0]; i++) {
    size_t n = ops[i].n;
    if (ops[i].s[0] != s[0] || n > avail || memcmp(s + 1, ops[i].s + 1, n - 1) != 0) continue;
    /* a?.5:1 is a conditional, not optional chaining */
    if (n == 2 && s[0] == '?' && s[1] == '.' && avail > 2 && is_digit(s[2])) continue;
    lx->pos += (uint32_t)n;
    if (n == 2 && s[0] == '=' && s[1] == '>') t->op = DW_OP_ARROW;
    else if (n == 3 && s[0] == '.') t->op = DW_OP_ELLIPSIS;
    else if (n == 2 && s[0] == '?' && s[1] == '.') t->op = DW_OP_OPTCHAIN;
    else if (n == 2 && s[0] == '+' && s[1] == '+') t->op = DW_OP_INC;
    else if (n == 2 && s[0] == '-' && s[1] == '-') t->op = DW_OP_DEC;
    else if (s[n - 1] == '=' && !(n == 2 && (s[0] == '=' || s[0] == '!' || s[0] == '<' || s[0] == '>')) &&
             !(n == 3 && (s[0] == '=' || s[0] == '!')))
      t->op = DW_OP_ASSIGN;
    else t->op = DW_OP_OTHER;
    return;
  }
  t->op = (unsigned char)s[0];
  lx->pos++;
}

void dw__lex_next(dw__lexer *lx, bool regex_ok, dw__tok *t) {
  const char *s = lx->src;
  t->nl = skip_space(lx);
  t->s = lx->pos;
  t->op = 0;
  if (lx->pos >= lx->len) {
    t->type = DW_TK_EOF;
    t->e = lx->len;
    return;
  }
  unsigned char c = (unsigned char)s[lx->pos];
  if (lx->pos == 0 && c == '#' && lx->len > 1 && s[1] == '!') {
    while (lx->pos < lx->len && !dw__line_term(s + lx->pos, lx->len - lx->pos)) lx->pos++;
    t->type = DW_TK_HASHBANG;
  } else if (ident_start(c)) {
    lx->pos += ident_len(lx, lx->pos);
    if (lx->pos == t->s) lx->pos++; /* lone invalid byte: never stall */
    t->type = DW_TK_IDENT;
  } else if (is_digit((char)c) || (c == '.' && lx->pos + 1 < lx->len && is_digit(s[lx->pos + 1]))) {
    scan_number(lx);
    t->type = DW_TK_NUM;
  } else if (c == '"' || c == '\'') {
    lx->pos++;
    scan_string(lx, (char)c);
    t->type = DW_TK_STR;
  } else if (c == '`') {
    lx->pos++;
    scan_template(lx, t, true);
  } else if (c == '#' && lx->pos + 1 < lx->len && ident_start((unsigned char)s[lx->pos + 1])) {
    lx->pos++;
    lx->pos += ident_len(lx, lx->pos);
    t->type = DW_TK_PRIVATE;
  } else if (c == '/' && regex_ok) {
    lx->pos++;
    scan_regex(lx);
    t->type = DW_TK_REGEX;
  } else if (c == '}' && lx->tpl_depth > 0 && lx->brace - 1 == lx->tpl[lx->tpl_depth - 1]) {
    lx->tpl_depth--;
    lx->brace--;
    lx->pos++;
    scan_template(lx, t, false);
  } else {
    t->type = DW_TK_PUNCT;
    scan_punct(lx, t);
    if (t->op == '{') lx->brace++;
    else if (t->op == '}' && lx->brace > 0) lx->brace--;
  }
  if (lx->pos > lx->len) lx->pos = lx->len;
  t->e = lx->pos;
}

bool dw__tok_is(const char *src, const dw__tok *t, const char *w) {
  size_t n = strlen(w);
  return t->type == DW_TK_IDENT && t->e - t->s == n && memcmp(src + t->s, w, n) == 0;
}
