/* dw_code: a worker's set of named modules (the WorkerCode of the loader API). */
#include <string.h>
#include "modules.h"

#define CODE_MAX_BYTES ((size_t)64 << 20) /* 64 MiB of module sources in all */
#define CODE_MAX_MODULES 4096
#define NAME_MAX_BYTES 1024

dw_code *dw_code_new(void) { return calloc(1, sizeof(dw_code)); }

void dw_code_free(dw_code *code) {
  if (!code) return;
  for (size_t i = 0; i < code->n; i++) {
    free(code->mods[i].name);
    free(code->mods[i].data);
  }
  free(code->mods);
  free(code);
}

static const char *ext_of(const char *name) {
  const char *slash = strrchr(name, '/');
  const char *dot = strrchr(slash ? slash : name, '.');
  return dot ? dot + 1 : "";
}

dw_module_type dw__module_type_for(const char *name) {
  static const struct {
    const char *ext;
    dw_module_type type;
  } map[] = {{"js", DW_MODULE_ESM},   {"mjs", DW_MODULE_ESM},   {"cjs", DW_MODULE_CJS},
             {"ts", DW_MODULE_TS},    {"mts", DW_MODULE_TS},    {"json", DW_MODULE_JSON},
             {"txt", DW_MODULE_TEXT}, {"bin", DW_MODULE_DATA},  {"wasm", DW_MODULE_WASM}};
  const char *ext = ext_of(name);
  for (size_t i = 0; i < DW_ARRAY_LEN(map); i++)
    if (strcmp(ext, map[i].ext) == 0) return map[i].type;
  return DW_MODULE_AUTO;
}

/* A module name is a relative path: no empty, "." or ".." segments, no leading slash, no
 * control characters. */
static bool valid_name(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > NAME_MAX_BYTES || name[0] == '/') return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '\\') return false;
  const char *seg = name;
  for (;;) {
    const char *end = strchr(seg, '/');
    size_t len = end ? (size_t)(end - seg) : strlen(seg);
    if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
      return false;
    if (!end) break;
    seg = end + 1;
  }
  return dw__utf8_valid(name, n);
}

int dw_code_add_module(dw_code *code, const char *name, const void *src, size_t len,
                       dw_module_type type) {
  if (!code || !name || (!src && len)) return DW_E_BAD_REQUEST;
  if (!valid_name(name)) return DW_E_BAD_REQUEST;
  if (type == DW_MODULE_AUTO) type = dw__module_type_for(name);
  if (type == DW_MODULE_AUTO || type > DW_MODULE_WASM) return DW_E_BAD_REQUEST;
  if (dw__code_find(code, name)) return DW_E_BAD_REQUEST;
  if (code->n >= CODE_MAX_MODULES) return DW_E_TOO_LARGE;
  if (len > CODE_MAX_BYTES || code->total > CODE_MAX_BYTES - len) return DW_E_TOO_LARGE;
  if (code->n == code->cap) {
    size_t cap = code->cap ? code->cap * 2 : 8;
    dw__module *m = realloc(code->mods, cap * sizeof *m);
    if (!m) return DW_E_NOMEM;
    code->mods = m;
    code->cap = cap;
  }
  dw__module *m = &code->mods[code->n];
  m->name = dw__strdup(name);
  m->data = malloc(len + 1);
  if (!m->name || !m->data) {
    free(m->name);
    free(m->data);
    return DW_E_NOMEM;
  }
  if (len) memcpy(m->data, src, len);
  m->data[len] = 0;
  m->len = len;
  m->type = type;
  code->n++;
  code->total += len;
  return 0;
}

int dw_code_set_main(dw_code *code, const char *name) {
  for (size_t i = 0; code && name && i < code->n; i++)
    if (strcmp(code->mods[i].name, name) == 0) {
      code->main = i;
      return 0;
    }
  return DW_E_MODULE_NOT_FOUND;
}

const dw__module *dw__code_find(const dw_code *code, const char *name) {
  for (size_t i = 0; i < code->n; i++)
    if (strcmp(code->mods[i].name, name) == 0) return &code->mods[i];
  return NULL;
}

const dw__module *dw__code_main(const dw_code *code) {
  return code->n ? &code->mods[code->main] : NULL;
}

dw_code *dw__code_copy(const dw_code *src) {
  dw_code *c = dw_code_new();
  if (!c) return NULL;
  for (size_t i = 0; i < src->n; i++)
    if (dw_code_add_module(c, src->mods[i].name, src->mods[i].data, src->mods[i].len,
                           src->mods[i].type)) {
      dw_code_free(c);
      return NULL;
    }
  if (src->n) dw_code_set_main(c, src->mods[src->main].name);
  return c;
}
