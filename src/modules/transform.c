/* dw__transform: dispatches by module kind, wraps CommonJS, reports syntax errors with a
 * line and column. */
#include <string.h>
#include "modules/parse.h"

/* 1-based line and column (in UTF-16 units, as the engine counts) of byte offset pos. */
static void line_col(const char *s, size_t len, size_t pos, int *line, int *col) {
  int l = 1, c = 1;
  if (pos > len) pos = len;
  for (size_t i = 0; i < pos;) {
    size_t n = dw__line_term(s + i, len - i);
    if (n) {
      if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') n = 2;
      l++;
      c = 1;
      i += n;
      continue;
    }
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x80 || (ch >= 0xC0 && ch < 0xF0)) c++;
    else if (ch >= 0xF0) c += 2;
    i++;
  }
  *line = l;
  *col = c;
}

size_t dw__utf16_units(const char *s, size_t n) {
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x80 || (ch >= 0xC0 && ch < 0xF0)) u++;
    else if (ch >= 0xF0) u += 2;
  }
  return u;
}

static const char cjs_head[] = "(function(exports,require,module,__filename,__dirname){";

static int wrap_cjs(const char *src, size_t len, dw_buf *out) {
  int rc = dw__buf_puts(out, cjs_head);
  size_t start = 0;
  if (!rc && len >= 2 && src[0] == '#' && src[1] == '!') { /* hashbang: blank the line */
    while (start < len && !dw__line_term(src + start, len - start)) start++;
    for (size_t i = 0; i < start && !rc; i++) rc = dw__buf_putc(out, ' ');
  }
  if (!rc) rc = dw__buf_append(out, src + start, len - start);
  if (!rc) rc = dw__buf_puts(out, "\n})");
  return rc;
}

int dw__transform(const char *src, size_t len, dw_module_type kind, dw_transform_out *out) {
  return dw__transform_ex(src, len, kind, 0, out);
}

int dw__transform_ex(const char *src, size_t len, dw_module_type kind, unsigned flags,
                     dw_transform_out *out) {
  int rc;
  dw__ps ps;
  dw_buf b;
  memset(out, 0, sizeof *out);
  memset(&ps, 0, sizeof ps);
  dw__buf_init(&b, len * 8 + (1u << 20));
  if (len > DW__TRANSFORM_MAX_SRC) {
    rc = DW_E_TOO_LARGE;
    goto out;
  }
  if (!src) src = "";
  if (kind == DW_MODULE_CJS) {
    rc = wrap_cjs(src, len, &b);
    out->prefix_units = sizeof cjs_head - 1; /* ASCII */
    goto out;
  }
  if (kind != DW_MODULE_ESM && kind != DW_MODULE_TS) {
    rc = DW_E_BAD_REQUEST;
    goto out;
  }
  ps.src = src;
  ps.len = (uint32_t)len;
  ps.ts = kind == DW_MODULE_TS;
  ps.dflt_export = -1;
  ps.plain = (flags & DW__TRANSFORM_PLAIN) != 0;
  rc = dw__ps_run(&ps);
  if (!rc) rc = dw__esm_output(&ps, &b);
  if (ps.err) rc = ps.err;
  out->has_tla = ps.has_tla;
  out->simple = !rc && dw__esm_simple(&ps);
  out->plain = out->simple && !ps.has_tla && ps.plain;
  out->prefix_units = ps.prefix_units;
out:
  if (rc == DW_E_SYNTAX) {
    out->error_msg = dw__strdup(ps.msg[0] ? ps.msg : "syntax error");
    line_col(src, len, ps.err_pos, &out->error_line, &out->error_col);
    if (!out->error_msg) rc = DW_E_NOMEM;
  }
  if (!rc) {
    out->script = dw__buf_steal(&b, &out->script_len);
    if (!out->script) rc = DW_E_NOMEM;
  }
  dw__buf_free(&b);
  dw__ps_free(&ps);
  return rc;
}

void dw__transform_out_free(dw_transform_out *out) {
  free(out->script);
  free(out->error_msg);
  memset(out, 0, sizeof *out);
}
