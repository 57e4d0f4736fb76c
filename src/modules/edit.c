/* Edits of the source (blanking, replacing) and decoding of string literals: what the
 * transform writes back, kept apart from the token tracker in parse.c. */
#include <string.h>
#include "modules/parse.h"

#define TRY(x)                \
  do {                        \
    int rc_ = (x);            \
    if (rc_) return rc_;      \
  } while (0)

/* ---- edits ------------------------------------------------------------------------ */

static int add_edit(dw__ps *ps, uint32_t s, uint32_t e, uint32_t text, uint32_t tlen) {
  TRY(DW__GROW(ps, ps->ed, ps->ned, ps->ced));
  dw__edit *d = &ps->ed[ps->ned];
  d->s = s;
  d->e = e;
  d->text = text;
  d->tlen = tlen;
  d->seq = ps->ned++;
  return 0;
}

int dw__edit_blank(dw__ps *ps, uint32_t s, uint32_t e) {
  if (e <= s) return 0;
  return add_edit(ps, s, e, UINT32_MAX, 0);
}

int dw__edit_text(dw__ps *ps, uint32_t s, uint32_t e, const char *text, size_t n) {
  if (ps->etext.len > UINT32_MAX - n) return DW_E_TOO_LARGE;
  uint32_t off = (uint32_t)ps->etext.len;
  TRY(dw__buf_append(&ps->etext, text, n));
  return add_edit(ps, s, e, off, (uint32_t)n);
}

int dw__edit_str(dw__ps *ps, uint32_t s, uint32_t e, const char *text) {
  return dw__edit_text(ps, s, e, text, strlen(text));
}

/* Appends a JS string literal (double quotes) for bytes p[0..n). Line terminators are
 * escaped so that the output stays on one line. */
int dw__put_jsstr(dw_buf *b, const char *p, size_t n) {
  TRY(dw__buf_putc(b, '"'));
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '"' || c == '\\') {
      TRY(dw__buf_putc(b, '\\'));
      TRY(dw__buf_putc(b, (char)c));
    } else if (c < 0x20 || c == 0x7F) {
      TRY(dw__buf_printf(b, "\\u%04x", c));
    } else if (c == 0xE2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
               ((unsigned char)p[i + 2] == 0xA8 || (unsigned char)p[i + 2] == 0xA9)) {
      TRY(dw__buf_puts(b, (unsigned char)p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"));
      i += 2;
    } else {
      TRY(dw__buf_putc(b, (char)c));
    }
  }
  return dw__buf_putc(b, '"');
}

/* Replaces [s,e) with text, keeping the line terminators inside the range. */
int dw__edit_keep_lines(dw__ps *ps, uint32_t s, uint32_t e, const char *text, size_t n) {
  TRY(dw__edit_text(ps, s, e, text, n));
  for (uint32_t i = s; i < e;) {
    size_t k = dw__line_term(ps->src + i, ps->len - i);
    if (k) {
      TRY(dw__edit_text(ps, e, e, ps->src + i, k));
      i += (uint32_t)k;
    } else {
      i++;
    }
  }
  return 0;
}

int dw__add_str(dw__ps *ps, const char *p, size_t n, dw__str *out) {
  if (ps->strs.len > UINT32_MAX - n) return DW_E_TOO_LARGE;
  out->off = (uint32_t)ps->strs.len;
  out->len = (uint32_t)n;
  return dw__buf_append(&ps->strs, p, n);
}

static void put_utf8(char *o, size_t *k, uint32_t cp) {
  if (cp < 0x80) {
    o[(*k)++] = (char)cp;
  } else if (cp < 0x800) {
    o[(*k)++] = (char)(0xC0 | (cp >> 6));
    o[(*k)++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    o[(*k)++] = (char)(0xE0 | (cp >> 12));
    o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[(*k)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    o[(*k)++] = (char)(0xF0 | (cp >> 18));
    o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[(*k)++] = (char)(0x80 | (cp & 0x3F));
  }
}

static int hexv(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes a string literal token (quotes included) into UTF-8 in the arena. Escapes that
 * are not understood keep their character; lone surrogates become U+FFFD. */
int dw__decode_str(dw__ps *ps, const dw__tok *t, dw__str *out) {
  const char *s = ps->src + t->s;
  size_t n = t->e - t->s;
  if (n >= 2 && s[n - 1] == s[0]) n--;
  char *o = malloc(n * 2 + 8);
  if (!o) return DW_E_NOMEM;
  size_t k = 0;
  for (size_t i = 1; i < n;) {
    char c = s[i];
    if (c != '\\' || i + 1 >= n) {
      o[k++] = c;
      i++;
      continue;
    }
    char d = s[i + 1];
    i += 2;
    uint32_t cp = 0;
    switch (d) {
    case 'n': o[k++] = '\n'; continue;
    case 't': o[k++] = '\t'; continue;
    case 'r': o[k++] = '\r'; continue;
    case 'b': o[k++] = '\b'; continue;
    case 'f': o[k++] = '\f'; continue;
    case 'v': o[k++] = '\v'; continue;
    case '0': o[k++] = '\0'; continue;
    case '\r':
      if (i < n && s[i] == '\n') i++;
      continue;
    case '\n': continue;
    case 'x':
      if (i + 2 <= n && hexv(s[i]) >= 0 && hexv(s[i + 1]) >= 0) {
        cp = (uint32_t)(hexv(s[i]) * 16 + hexv(s[i + 1]));
        i += 2;
        put_utf8(o, &k, cp);
      }
      continue;
    case 'u':
      if (i < n && s[i] == '{') {
        size_t j = i + 1;
        while (j < n && hexv(s[j]) >= 0 && cp <= 0x10FFFF) cp = cp * 16 + (uint32_t)hexv(s[j++]);
        if (j < n && s[j] == '}') i = j + 1;
      } else if (i + 4 <= n) {
        for (int q = 0; q < 4 && hexv(s[i + q]) >= 0; q++) cp = cp * 16 + (uint32_t)hexv(s[i + q]);
        i += 4;
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      put_utf8(o, &k, cp);
      continue;
    default:
      o[k++] = d;
      continue;
    }
  }
  int rc = dw__add_str(ps, o, k, out);
  free(o);
  return rc;
}
