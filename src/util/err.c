/* The one error table, and the version. */
#include <stdarg.h>
#include <string.h>
#include "util.h"

unsigned dw_version(void) { return DW_VERSION_NUM; }

#define DW__STR2(x) #x
#define DW__STR(x) DW__STR2(x)
const char *dw_version_string(void) {
  return DW__STR(DW_VERSION_MAJOR) "." DW__STR(DW_VERSION_MINOR) "." DW__STR(DW_VERSION_PATCH);
}

typedef struct {
  int num;
  const char *code;
  const char *msg;
  int http;
  int rpc;
} err_row;

static const err_row rows[] = {
#define ROW(name, num, code, msg, http, rpc) {num, code, msg, http, rpc},
    DW_ERRNO_MAP(ROW)
#undef ROW
};

static const err_row *find(int err) {
  for (size_t i = 0; i < DW_ARRAY_LEN(rows); i++)
    if (rows[i].num == err) return &rows[i];
  return NULL;
}

const char *dw_strerror(int err) {
  const err_row *r = find(err);
  return r ? r->msg : "unknown error";
}

const char *dw_err_code(int err) {
  const err_row *r = find(err);
  return r ? r->code : "internal_error";
}

int dw_err_from_code(const char *code) {
  for (size_t i = 0; code && i < DW_ARRAY_LEN(rows); i++)
    if (strcmp(rows[i].code, code) == 0) return rows[i].num;
  return DW_E_INTERNAL;
}

int dw_err_http_status(int err) {
  const err_row *r = find(err);
  return r ? r->http : 500;
}

int dw_err_jsonrpc_code(int err) {
  const err_row *r = find(err);
  return r ? r->rpc : -32603;
}

const char *dw__limit_message(int err) {
  switch (err) {
  case DW_E_CPU_LIMIT: return "Worker exceeded its CPU time limit";
  case DW_E_WALL_LIMIT: return "Worker exceeded its wall-clock time limit";
  case DW_E_MEMORY_LIMIT: return "Worker exceeded its memory limit";
  case DW_E_NEVER_SETTLED:
    return "The worker's promise never settled and nothing is pending that could settle it";
  default: return dw_strerror(err);
  }
}

_Noreturn void dw__bug(const char *file, int line, const char *msg) {
  fprintf(stderr, "dynworker bug at %s:%d: %s\n", file, line, msg);
  abort();
}

int dw__whyf(char *why, size_t n, int err, const char *fmt, ...) {
  if (why && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
  }
  return err;
}
