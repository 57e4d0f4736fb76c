/* mcp/source: the model's code -> Code Mode's main module (see source.h). */
#include "mcp/source.h"

#include <stdint.h>
#include <string.h>

#define MAX_TPL_NEST 256 /* nested template substitutions tracked; deeper: scanned as code */

enum { T_IDENT = 1, T_PUNCT, T_NUM, T_STR, T_TPL, T_TPL_HEAD, T_TPL_MID, T_TPL_TAIL, T_REGEX };

typedef struct {
  uint8_t type;
  bool nl;       /* a line terminator since the previous token */
  char op[5];    /* T_PUNCT: the operator */
  uint32_t s, e;
} tok;

typedef struct {
  const char *src;
  uint32_t len, pos;
  uint32_t brace;                  /* open '{' */
  uint32_t tpl[MAX_TPL_NEST];      /* brace count at each open ${ */
  uint32_t tpl_depth;
} scanner;

static bool id_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}
static bool id_char(unsigned char c) { return id_start(c) || (c >= '0' && c <= '9'); }

static size_t line_term(const char *p, size_t avail) {
  if (avail >= 1 && (*p == '\n' || *p == '\r')) return 1;
  if (avail >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
      ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9))
    return 3;
  return 0;
}

static bool tok_is(const scanner *sc, const tok *t, const char *w) {
  size_t n = strlen(w);
  return t->type == T_IDENT && t->e - t->s == n && memcmp(sc->src + t->s, w, n) == 0;
}

static bool punct_is(const tok *t, const char *op) { return t->type == T_PUNCT && !strcmp(t->op, op); }

/* Skips whitespace and comments; true when a line terminator was crossed. */
static bool skip_space(scanner *sc) {
  bool nl = false;
  while (sc->pos < sc->len) {
    const char *p = sc->src + sc->pos;
    size_t avail = sc->len - sc->pos, lt = line_term(p, avail);
    if (lt) { nl = true; sc->pos += (uint32_t)lt; continue; }
    if (*p == ' ' || *p == '\t' || *p == '\v' || *p == '\f') { sc->pos++; continue; }
    if (avail >= 3 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) { sc->pos += 2; continue; }
    if (avail >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) { sc->pos += 3; continue; }
    if (avail >= 2 && p[0] == '/' && p[1] == '/') {
      while (sc->pos < sc->len && !line_term(sc->src + sc->pos, sc->len - sc->pos)) sc->pos++;
      continue;
    }
    if (avail >= 2 && p[0] == '/' && p[1] == '*') {
      sc->pos += 2;
      while (sc->pos < sc->len && !(sc->src[sc->pos] == '*' && sc->pos + 1 < sc->len &&
                                    sc->src[sc->pos + 1] == '/')) {
        if (line_term(sc->src + sc->pos, sc->len - sc->pos)) nl = true;
        sc->pos++;
      }
      sc->pos = sc->pos + 2 <= sc->len ? sc->pos + 2 : sc->len;
      continue;
    }
    if (sc->pos == 0 && avail >= 2 && p[0] == '#' && p[1] == '!') {
      while (sc->pos < sc->len && !line_term(sc->src + sc->pos, sc->len - sc->pos)) sc->pos++;
      continue;
    }
    break;
  }
  return nl;
}

/* Scans template characters from pos (after ` or }) to the closing ` or ${. */
static uint8_t template_part(scanner *sc, bool head) {
  while (sc->pos < sc->len) {
    char ch = sc->src[sc->pos];
    if (ch == '\\') { sc->pos += 2; continue; }
    if (ch == '`') { sc->pos++; return head ? T_TPL : T_TPL_TAIL; }
    if (ch == '$' && sc->pos + 1 < sc->len && sc->src[sc->pos + 1] == '{') {
      sc->pos += 2;
      if (sc->tpl_depth < MAX_TPL_NEST) sc->tpl[sc->tpl_depth++] = sc->brace;
      sc->brace++;
      return head ? T_TPL_HEAD : T_TPL_MID;
    }
    sc->pos++;
  }
  if (sc->pos > sc->len) sc->pos = sc->len;
  return head ? T_TPL : T_TPL_TAIL;
}

static const char *const ops[] = {">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=",
                                  "||=", "?\?=", "=>", "==", "!=", "<=", ">=", "&&", "||", "??",
                                  "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
                                  "^=", "**", "<<", ">>"};

/* The next token; false at the end. */
static bool next(scanner *sc, bool regex_ok, tok *t) {
  memset(t, 0, sizeof *t);
  t->nl = skip_space(sc);
  if (sc->pos >= sc->len) return false;
  t->s = sc->pos;
  const char *p = sc->src + sc->pos;
  size_t avail = sc->len - sc->pos;
  unsigned char c = (unsigned char)*p;
  if (id_start(c) || c == '#' || (c == '\\' && avail > 1 && p[1] == 'u')) {
    sc->pos++;
    while (sc->pos < sc->len && (id_char((unsigned char)sc->src[sc->pos]) || sc->src[sc->pos] == '\\'))
      sc->pos++;
    t->type = T_IDENT;
  } else if ((c >= '0' && c <= '9') || (c == '.' && avail > 1 && p[1] >= '0' && p[1] <= '9')) {
    sc->pos++;
    while (sc->pos < sc->len) {
      char d = sc->src[sc->pos];
      if (id_char((unsigned char)d) || d == '.') sc->pos++;
      else if ((d == '+' || d == '-') && (sc->src[sc->pos - 1] == 'e' || sc->src[sc->pos - 1] == 'E') &&
               !(sc->src[t->s] == '0' && t->s + 1 < sc->len && (sc->src[t->s + 1] == 'x' || sc->src[t->s + 1] == 'X')))
        sc->pos++;
      else break;
    }
    t->type = T_NUM;
  } else if (c == '"' || c == '\'') {
    sc->pos++;
    while (sc->pos < sc->len && sc->src[sc->pos] != (char)c) {
      if (sc->src[sc->pos] == '\\') sc->pos++;
      else if (sc->src[sc->pos] == '\n') break; /* unterminated: stop at the line */
      sc->pos++;
    }
    if (sc->pos < sc->len) sc->pos++;
    t->type = T_STR;
  } else if (c == '`') {
    sc->pos++;
    t->type = template_part(sc, true);
  } else if (c == '}' && sc->tpl_depth && sc->tpl[sc->tpl_depth - 1] == sc->brace - 1) {
    sc->tpl_depth--;
    sc->brace--;
    sc->pos++;
    t->type = template_part(sc, false);
  } else if (c == '/' && regex_ok) {
    bool cls = false;
    sc->pos++;
    while (sc->pos < sc->len) {
      char d = sc->src[sc->pos];
      if (d == '\\') { sc->pos += 2; continue; }
      if (d == '\n' || d == '\r') break;
      sc->pos++;
      if (d == '[') cls = true;
      else if (d == ']') cls = false;
      else if (d == '/' && !cls) break;
    }
    while (sc->pos < sc->len && id_char((unsigned char)sc->src[sc->pos])) sc->pos++;
    if (sc->pos > sc->len) sc->pos = sc->len;
    t->type = T_REGEX;
  } else {
    t->type = T_PUNCT;
    size_t n = 1;
    for (size_t i = 0; i < DW_ARRAY_LEN(ops); i++) {
      size_t k = strlen(ops[i]);
      if (k <= avail && memcmp(p, ops[i], k) == 0) { n = k; break; }
    }
    /* `?.` followed by a digit is `?` then a number (a ? .5 : 1). */
    if (n == 2 && p[0] == '?' && p[1] == '.' && avail > 2 && p[2] >= '0' && p[2] <= '9') n = 1;
    memcpy(t->op, p, n);
    sc->pos += (uint32_t)n;
    if (c == '{') sc->brace++;
    else if (c == '}' && sc->brace) sc->brace--;
  }
  if (sc->pos > sc->len) sc->pos = sc->len; /* an escape at the very end */
  t->e = sc->pos;
  return true;
}

static const char *const regex_after_words[] = {"return", "typeof", "instanceof", "in", "of",
    "new", "delete", "void", "throw", "case", "do", "else", "yield", "await", "extends"};

static bool regex_ok_after(const scanner *sc, const tok *prev) {
  if (!prev) return true;
  if (prev->type == T_PUNCT)
    return !(punct_is(prev, ")") || punct_is(prev, "]") || punct_is(prev, "++") ||
             punct_is(prev, "--"));
  if (prev->type == T_IDENT) {
    for (size_t i = 0; i < DW_ARRAY_LEN(regex_after_words); i++)
      if (tok_is(sc, prev, regex_after_words[i])) return true;
    return false;
  }
  return prev->type == T_TPL_HEAD || prev->type == T_TPL_MID;
}

/* Words that cannot end a statement (an operand must follow). */
static const char *const continuing_words[] = {"in", "instanceof", "of", "typeof", "new",
    "delete", "void", "await", "as", "satisfies", "extends", "else", "do", "case", "const", "let",
    "var", "function", "class", "async", "yield", "import", "export", "from"};
/* Words that continue a statement when they start a line. */
static const char *const continuation_words[] = {"in", "instanceof", "of", "as", "satisfies",
    "else", "catch", "finally", "extends", "implements"};

static bool can_end(const scanner *sc, const tok *t) {
  switch (t->type) {
  case T_IDENT:
    for (size_t i = 0; i < DW_ARRAY_LEN(continuing_words); i++)
      if (tok_is(sc, t, continuing_words[i])) return false;
    return true;
  case T_NUM: case T_STR: case T_TPL: case T_TPL_TAIL: case T_REGEX: return true;
  case T_PUNCT:
    return punct_is(t, ")") || punct_is(t, "]") || punct_is(t, "}") || punct_is(t, "++") ||
           punct_is(t, "--");
  default: return false;
  }
}

static bool continues(const scanner *sc, const tok *t) {
  if (t->type == T_IDENT) {
    for (size_t i = 0; i < DW_ARRAY_LEN(continuation_words); i++)
      if (tok_is(sc, t, continuation_words[i])) return true;
    return false;
  }
  if (t->type == T_TPL || t->type == T_TPL_HEAD) return true; /* a tagged template */
  if (t->type != T_PUNCT) return false;
  if (punct_is(t, "++") || punct_is(t, "--") || punct_is(t, "!") || punct_is(t, "~") ||
      punct_is(t, ";") || punct_is(t, "}") || punct_is(t, ")") || punct_is(t, "]"))
    return false;
  return true; /* . ?. ( [ { binary and assignment operators , ? : => */
}

static const char *const header_words[] = {"if", "for", "while", "with"};
static const char *const declaration_words[] = {"if", "for", "while", "do", "function", "class",
    "try", "switch", "with", "interface", "enum", "namespace", "declare", "abstract", "module"};
static const char *const statement_words[] = {"var", "let", "const", "if", "for", "while", "do",
    "function", "class", "return", "throw", "try", "switch", "break", "continue", "import",
    "export", "debugger", "with", "interface", "enum", "declare", "namespace", "abstract",
    "using", "module"};

static bool word_in(const scanner *sc, const tok *t, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (tok_is(sc, t, list[i])) return true;
  return false;
}
#define WORD_IN(sc, t, list) word_in((sc), (t), (list), DW_ARRAY_LEN(list))

typedef struct {
  size_t last_start, last_end; /* token indexes of the last top-level statement [start, end) */
  size_t statements;
  bool top_return;             /* `return` starts a top-level statement */
} shape_info;

/* Whether the `(` at tk[i] is matched by the last token (a trailing `;` aside). */
static bool paren_ends_code(const tok *tk, size_t i, size_t n) {
  long d = 0;
  size_t j = i;
  for (; j < n; j++) {
    if (punct_is(&tk[j], "(") || punct_is(&tk[j], "[") || punct_is(&tk[j], "{") ||
        tk[j].type == T_TPL_HEAD)
      d++;
    else if (punct_is(&tk[j], ")") || punct_is(&tk[j], "]") || punct_is(&tk[j], "}") ||
             tk[j].type == T_TPL_TAIL)
      d--;
    if (d == 0) break;
  }
  if (j >= n) return false;
  for (j++; j < n; j++)
    if (!punct_is(&tk[j], ";")) return false;
  return true;
}

/* Splits the tokens into top-level statements (ASI as the engine would apply it, closely
 * enough for well-formed code) and notes the last one. */
static void split(const scanner *sc, const tok *tk, size_t n, shape_info *si) {
  memset(si, 0, sizeof *si);
  size_t start = 0;
  long depth = 0;
  bool header = false;     /* inside the statement's if/for/while (...) header */
  bool want_body = false;  /* the header just closed: its body follows, not a new statement */
  long header_depth = 0;
  for (size_t i = 0; i < n; i++) {
    const tok *t = &tk[i];
    bool boundary = false;
    if (i > start && depth == 0) {
      const tok *prev = &tk[i - 1];
      const tok *first = &tk[start];
      if (punct_is(prev, ";") && !header) boundary = true;
      else if (want_body) boundary = false;
      else if (punct_is(prev, "}") && !continues(sc, t) &&
               (WORD_IN(sc, first, declaration_words) || punct_is(first, "{") ||
                (tok_is(sc, first, "async") && i > start + 1 && tok_is(sc, &tk[start + 1], "function")) ||
                (tok_is(sc, first, "export"))))
        boundary = !(tok_is(sc, t, "while") && tok_is(sc, first, "do"));
      else if (t->nl && can_end(sc, prev) && !continues(sc, t)) boundary = true;
      /* `(...)` alone on the last line after a complete statement: JavaScript reads a call
       * (no ASI before `(`), but a model means "return this" (`({ a, b })` as in a REPL). */
      else if (t->nl && can_end(sc, prev) && punct_is(t, "(") && paren_ends_code(tk, i, n))
        boundary = true;
      else if (t->nl && (tok_is(sc, prev, "return") || tok_is(sc, prev, "break") ||
                         tok_is(sc, prev, "continue") || tok_is(sc, prev, "throw")))
        boundary = true;
    }
    if (boundary) {
      si->statements++;
      start = i;
      header = want_body = false;
    }
    if (i == start) {
      header = WORD_IN(sc, t, header_words);
      header_depth = 0;
      if (tok_is(sc, t, "return")) si->top_return = true;
      if (punct_is(t, ";")) { start = i + 1; continue; } /* empty statement */
    } else if (want_body) {
      want_body = false;
      if (WORD_IN(sc, t, header_words)) header = true; /* else if (...) */
    }
    if (t->type == T_PUNCT) {
      if (punct_is(t, "(") || punct_is(t, "[") || punct_is(t, "{")) depth++;
      else if ((punct_is(t, ")") || punct_is(t, "]") || punct_is(t, "}")) && depth > 0) depth--;
    } else if (t->type == T_TPL_HEAD) depth++;
    else if (t->type == T_TPL_TAIL && depth > 0) depth--;
    if (header && depth == 0 && punct_is(t, ")")) { header = false; want_body = true; (void)header_depth; }
    if (depth == 0 && tok_is(sc, t, "else")) want_body = true;
  }
  if (start < n) {
    si->statements++;
    si->last_start = start;
    si->last_end = n;
  } else {
    si->last_start = si->last_end = n;
  }
  /* A trailing `;` is not part of the expression. */
  while (si->last_end > si->last_start && punct_is(&tk[si->last_end - 1], ";")) si->last_end--;
}

/* Whether tokens [s, e) are one function expression or declaration. */
static bool is_function(const scanner *sc, const tok *tk, size_t s, size_t e) {
  if (s >= e) return false;
  size_t i = s;
  if (tok_is(sc, &tk[i], "async") && i + 1 < e && !tk[i + 1].nl) i++;
  if (tok_is(sc, &tk[i], "function")) return true;
  if (tk[i].type == T_IDENT && i + 1 < e && punct_is(&tk[i + 1], "=>")) return true;
  if (punct_is(&tk[i], "(")) {
    long d = 0;
    for (size_t j = i; j < e; j++) {
      if (punct_is(&tk[j], "(")) d++;
      else if (punct_is(&tk[j], ")") && --d == 0) {
        if (j + 1 < e && punct_is(&tk[j + 1], "=>")) return true;
        if (j + 1 < e && punct_is(&tk[j + 1], ":")) { /* TS return type, then => at depth 0 */
          long d2 = 0;
          for (size_t k = j + 2; k < e; k++) {
            if (punct_is(&tk[k], "(") || punct_is(&tk[k], "[") || punct_is(&tk[k], "{")) d2++;
            else if (punct_is(&tk[k], ")") || punct_is(&tk[k], "]") || punct_is(&tk[k], "}")) d2--;
            else if (d2 == 0 && punct_is(&tk[k], "=>")) return true;
            if (d2 < 0) break;
          }
        }
        return false;
      }
    }
  }
  return false;
}

static int fail(char *why, size_t why_len, int err, const char *msg) {
  if (why && why_len) snprintf(why, why_len, "%s", msg);
  return err;
}

static bool is_ident(const char *s) {
  if (!s || !id_start((unsigned char)*s) || (unsigned char)*s >= 0x80) return false;
  for (const char *p = s + 1; *p; p++)
    if (!id_char((unsigned char)*p) || (unsigned char)*p >= 0x80) return false;
  return true;
}

/* A fence: finds the first line starting with ``` (after optional text before it), sets
 * [*cs, *ce) to the code inside and *lang to its language word; false when there is none. */
static bool find_fence(const char *code, size_t len, size_t *cs, size_t *ce, char *lang,
                       size_t lang_len, unsigned *lines_before) {
  size_t i = 0;
  unsigned line = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && (code[j] == ' ' || code[j] == '\t')) j++;
    if (len - j >= 3 && !memcmp(code + j, "```", 3)) {
      j += 3;
      size_t k = 0;
      while (j < len && code[j] != '\n' && code[j] != '\r') {
        if (k + 1 < lang_len && code[j] != ' ' && code[j] != '\t') lang[k++] = code[j];
        j++;
      }
      lang[k] = '\0';
      if (j < len && code[j] == '\r') j++;
      if (j < len && code[j] == '\n') j++;
      *cs = j;
      /* The closing fence: the next line that is only ``` (and spaces). */
      size_t p = j;
      *ce = len;
      while (p < len) {
        size_t q = p;
        while (q < len && (code[q] == ' ' || code[q] == '\t')) q++;
        if (len - q >= 3 && !memcmp(code + q, "```", 3)) {
          size_t r = q + 3;
          while (r < len && (code[r] == ' ' || code[r] == '\t' || code[r] == '\r')) r++;
          if (r == len || code[r] == '\n') { *ce = p; break; }
        }
        while (p < len && code[p] != '\n') p++;
        if (p < len) p++;
      }
      *lines_before = line + 1;
      return true;
    }
    while (i < len && code[i] != '\n') i++;
    if (i < len) i++;
    line++;
  }
  return false;
}

int dw__src_wrap(const char *code, size_t len, const char *lang, const char *const *names,
                 size_t n_names, dw__src_module *out, char *why, size_t why_len) {
  return dw__src_wrap_with(code, len, lang, names, n_names, NULL, out, why, why_len);
}

int dw__src_wrap_with(const char *code, size_t len, const char *lang, const char *const *names,
                      size_t n_names, const char *prelude, dw__src_module *out, char *why,
                      size_t why_len) {
  memset(out, 0, sizeof *out);
  if (prelude && (strchr(prelude, '\n') || strchr(prelude, '\r') || strlen(prelude) > 65536))
    return fail(why, why_len, DW_E_BAD_REQUEST, "the prelude must be one line");
  if (len > DW__SRC_MAX_CODE) return fail(why, why_len, DW_E_TOO_LARGE, "the code is longer than 1 MiB");
  if (n_names > DW__SRC_MAX_NAMES) return fail(why, why_len, DW_E_TOO_LARGE, "too many namespaces");
  if (!code || memchr(code, '\0', len)) return fail(why, why_len, DW_E_BAD_REQUEST, "the code contains a NUL byte");
  if (!dw__utf8_valid(code, len)) return fail(why, why_len, DW_E_BAD_REQUEST, "the code is not valid UTF-8");
  for (size_t i = 0; i < n_names; i++)
    if (!is_ident(names[i])) return fail(why, why_len, DW_E_BAD_REQUEST, "a namespace name is not an identifier");
  bool ts = true;
  if (lang && (!strcmp(lang, "js") || !strcmp(lang, "javascript") || !strcmp(lang, "jsx") ||
               !strcmp(lang, "mjs")))
    ts = false;
  size_t cs = 0, ce = len;
  char flang[32];
  unsigned before = 0;
  if (find_fence(code, len, &cs, &ce, flang, sizeof flang, &before)) {
    if (!strcmp(flang, "js") || !strcmp(flang, "javascript") || !strcmp(flang, "jsx") ||
        !strcmp(flang, "mjs"))
      ts = false;
    else if (!strcmp(flang, "ts") || !strcmp(flang, "typescript") || !strcmp(flang, "tsx"))
      ts = true;
  }
  const char *src = code + cs;
  size_t n = ce - cs;
  scanner *sc = calloc(1, sizeof *sc);
  tok *tk = calloc(n + 1, sizeof *tk);
  dw_buf b;
  int err = 0;
  dw__buf_init(&b, DW__SRC_MAX_CODE + 64 * (n_names + 8) + 4096);
  if (!sc || !tk) { err = DW_E_NOMEM; goto out; }
  sc->src = src;
  sc->len = (uint32_t)n;
  size_t nt = 0;
  while (nt <= n && next(sc, regex_ok_after(sc, nt ? &tk[nt - 1] : NULL), &tk[nt])) nt++;
  if (nt == 0) { err = fail(why, why_len, DW_E_BAD_REQUEST, "the code is empty"); goto out; }
  shape_info si;
  split(sc, tk, nt, &si);
  /* Line 1: the wrapper's head, then the model's first line. */
  err = dw__buf_puts(&b, ts ? "export default async function (env: any) { const { "
                            : "export default async function (env) { const { ");
  for (size_t i = 0; !err && i < n_names; i++) err = dw__buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
  if (!err) err = dw__buf_puts(&b, " } = env; ");
  if (!err && prelude) err = dw__buf_printf(&b, "%s ", prelude);
  if (err) goto out;
  if (si.statements == 1 && is_function(sc, tk, si.last_start, si.last_end)) {
    out->shape = DW__SRC_FUNCTION;
    uint32_t end = tk[si.last_end - 1].e;
    /* Not `(CODE)(env)`: the TypeScript stripper misreads type annotations inside
     * `(async () => {...})`, so the function is bound to a name first. */
    if (!err) err = dw__buf_puts(&b, "const __dw_fn = ");
    out->prefix_len = b.len;
    if (!err) err = dw__buf_append(&b, src, end);
    if (!err) err = dw__buf_puts(&b, "\n; return await __dw_fn(env); }\n");
  } else {
    bool expr = si.last_start < si.last_end && !si.top_return;
    if (expr) {
      const tok *f = &tk[si.last_start];
      if (WORD_IN(sc, f, statement_words) || punct_is(f, "{") || punct_is(f, ";") ||
          (tok_is(sc, f, "async") && si.last_start + 1 < si.last_end &&
           tok_is(sc, &tk[si.last_start + 1], "function")) ||
          (tok_is(sc, f, "type") && si.last_start + 1 < si.last_end &&
           tk[si.last_start + 1].type == T_IDENT && !tk[si.last_start + 1].nl) ||
          (f->type == T_IDENT && si.last_start + 1 < si.last_end &&
           punct_is(&tk[si.last_start + 1], ":") && !WORD_IN(sc, f, statement_words)))
        expr = false; /* a declaration, a block, a labelled statement */
    }
    out->shape = expr ? DW__SRC_LAST_EXPR : DW__SRC_BODY;
    /* The code runs in a function of its own, so that its declarations may shadow the
     * namespaces (`var search` would otherwise redeclare the destructured const). */
    err = dw__buf_puts(&b, "return await __dw_main(); async function __dw_main() { ");
    out->prefix_len = b.len;
    if (expr) {
      uint32_t s = tk[si.last_start].s, e = tk[si.last_end - 1].e;
      if (!err) err = dw__buf_append(&b, src, s);
      if (!err) err = dw__buf_puts(&b, "return (");
      if (!err) err = dw__buf_append(&b, src + s, e - s);
      if (!err) err = dw__buf_puts(&b, ");");
      if (!err) err = dw__buf_append(&b, src + e, n - e);
    } else if (!err) {
      err = dw__buf_append(&b, src, n);
    }
    if (!err) err = dw__buf_puts(&b, "\n} }\n");
  }
  if (err) goto out;
  out->typescript = ts;
  out->name = ts ? "main.ts" : "main.js";
  out->line_offset = before;
  size_t prefix = out->prefix_len;
  out->text = dw__buf_steal(&b, &out->len);
  out->prefix_len = prefix;
out:
  if (err == DW_E_TOO_LARGE) fail(why, why_len, err, "the code is too large");
  dw__buf_free(&b);
  free(sc);
  free(tk);
  return err;
}

void dw__src_module_free(dw__src_module *m) {
  if (!m) return;
  free(m->text);
  memset(m, 0, sizeof *m);
}
