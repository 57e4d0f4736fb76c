/* mcp/source: the model's code (the `code` tool's input) -> the main module Code Mode runs.
 *
 * Accepted shapes: a markdown fence around the code (```ts, ```typescript, ```js,
 * ```javascript, or none), an async arrow function or any function expression/declaration
 * (called with env), a function body that returns, or bare statements whose last expression
 * statement's value is returned. The module's default export is an async function called with
 * (env) (the calling convention); the namespaces are read from env on the code's first line:
 * the wrapper never adds a line before the model's first line, so line numbers in stacks are
 * the model's own (counted from the first line inside a fence). Columns on line 1 shift.
 *
 * The code is untrusted; the scanner here understands strings, template literals (nested),
 * comments and regex literals well enough to find top-level statements; it never fails on
 * malformed code (the engine reports syntax errors later, with the model's line numbers).
 * Pure, no global state, does not block. */
#ifndef DW_MCP_SOURCE_H
#define DW_MCP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include "util/util.h"

#define DW__SRC_MAX_CODE ((size_t)1 << 20) /* bytes of the model's code */
#define DW__SRC_MAX_NAMES 1024             /* names destructured from env */

typedef enum {
  DW__SRC_FUNCTION = 1, /* one function expression or declaration: called with (env) */
  DW__SRC_BODY,         /* statements; the last one is not an expression statement */
  DW__SRC_LAST_EXPR     /* statements; the last expression statement's value is returned */
} dw__src_shape;

typedef struct {
  char *text;          /* the module (owned; NUL-terminated) */
  size_t len;
  bool typescript;     /* the module is TypeScript (name "main.ts"), else "main.js" */
  const char *name;    /* "main.ts" or "main.js" (static) */
  dw__src_shape shape;
  size_t prefix_len;    /* bytes the wrapper puts before the model's first line */
  unsigned line_offset; /* lines of the model's text before the code (a fence and any text
                           before it): add it to a module line to get the text's line */
} dw__src_module;

/* Builds the module from the model's `code` (len bytes). `lang` is a hint ("typescript",
 * "ts", "javascript", "js" or NULL); a fence's language wins; without either the code is
 * TypeScript (a superset of what models write as JavaScript; types are stripped). `names`
 * are the identifiers destructured from env (the namespaces, search, describe); each must be
 * an identifier (DW_E_BAD_REQUEST otherwise). Returns 0 and fills `out` (free with
 * dw__src_module_free); DW_E_BAD_REQUEST (empty code, NUL bytes, invalid UTF-8),
 * DW_E_TOO_LARGE (over DW__SRC_MAX_CODE or too many names) with `why`, or DW_E_NOMEM. */
int dw__src_wrap(const char *code, size_t len, const char *lang, const char *const *names,
                 size_t n_names, dw__src_module *out, char *why, size_t why_len);
/* The same, with `prelude` (may be NULL) placed after the destructuring on line 1: code of
 * the caller's (helper functions); it must not contain a line terminator (DW_E_BAD_REQUEST). */
int dw__src_wrap_with(const char *code, size_t len, const char *lang, const char *const *names,
                      size_t n_names, const char *prelude, dw__src_module *out, char *why,
                      size_t why_len);

void dw__src_module_free(dw__src_module *m);

#endif
