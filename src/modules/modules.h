/* modules: a worker's module set, and the transform that turns modules into scripts. */
#ifndef DW_MODULES_H
#define DW_MODULES_H

#include "util/util.h"

typedef struct {
  char *name;
  char *data; /* NUL-terminated copy (len excludes the terminator) */
  size_t len;
  dw_module_type type; /* never DW_MODULE_AUTO */
} dw__module;

struct dw_code {
  dw__module *mods;
  size_t n, cap;
  size_t main;
  size_t total;
};

/* The module type an extension implies, or DW_MODULE_AUTO when unknown. */
dw_module_type dw__module_type_for(const char *name);
/* The module called `name`, or NULL; borrowed from `code`. */
const dw__module *dw__code_find(const dw_code *code, const char *name);
/* A copy of `src` (every module, the same main one), or NULL when out of memory. */
dw_code *dw__code_copy(const dw_code *src);
/* The main module, or NULL when the set is empty; borrowed. */
const dw__module *dw__code_main(const dw_code *code);

#endif
