/* dwtransform: prints the classic script dw__transform makes of a file (a test tool).
 * Usage: dwtransform [esm|ts|cjs] FILE   (default kind: by extension, .ts/.mts -> ts,
 * .cjs -> cjs, else esm). On a syntax error prints "SyntaxError: MSG (LINE:COL)" to
 * stderr and exits 2; other errors exit 1. Line 1 of stdout is "TLA" or "SYNC". */
#include <stdio.h>
#include <string.h>
#include "modules/transform.h"
#include "util/util.h"

static dw_module_type kind_of(const char *k, const char *path) {
  if (k) {
    if (!strcmp(k, "ts")) return DW_MODULE_TS;
    if (!strcmp(k, "cjs")) return DW_MODULE_CJS;
    return DW_MODULE_ESM;
  }
  size_t n = strlen(path);
  if ((n > 3 && !strcmp(path + n - 3, ".ts")) || (n > 4 && !strcmp(path + n - 4, ".mts")))
    return DW_MODULE_TS;
  if (n > 4 && !strcmp(path + n - 4, ".cjs")) return DW_MODULE_CJS;
  return DW_MODULE_ESM;
}

int main(int argc, char **argv) {
  const char *k = argc > 2 ? argv[1] : NULL, *path = argv[argc - 1];
  char *src = NULL;
  size_t len = 0;
  int status = 1;
  dw_transform_out out;
  if (argc < 2) {
    fprintf(stderr, "usage: dwtransform [esm|ts|cjs] FILE\n");
    return 1;
  }
  if (dw__read_file(path, DW__TRANSFORM_MAX_SRC, &src, &len)) {
    fprintf(stderr, "dwtransform: cannot read %s\n", path);
    return 1;
  }
  int rc = dw__transform(src, len, kind_of(k, path), &out);
  if (rc == DW_E_SYNTAX) {
    fprintf(stderr, "SyntaxError: %s (%d:%d)\n", out.error_msg, out.error_line, out.error_col);
    status = 2;
  } else if (rc) {
    fprintf(stderr, "dwtransform: %s\n", dw_strerror(rc));
  } else {
    printf("%s\n", out.has_tla ? "TLA" : "SYNC");
    fwrite(out.script, 1, out.script_len, stdout);
    status = 0;
  }
  dw__transform_out_free(&out);
  free(src);
  return status;
}
