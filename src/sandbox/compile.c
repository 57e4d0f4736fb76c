/* host.compile(name): turns one module of the worker's code into what the linker links. */
#include <string.h>
#include "modules/wasm.h"
#include "sandbox_internal.h"

static dw_val syntax_error(dw__ctx *c, const char *name, const dw_transform_out *t) {
  dw_buf b;
  dw__buf_init(&b, 4096);
  dw__buf_printf(&b, "%s (%s:%d:%d)", t->error_msg ? t->error_msg : "syntax error", name,
                 t->error_line, t->error_col);
  dw_val e = dw__make_error(c, "SyntaxError", b.data ? b.data : "syntax error");
  dw__buf_free(&b);
  /* Where the error is, as the engine's own syntax errors say it. */
  dw__define_hidden(c, e, "sourceURL", dw__string(c, name, strlen(name)), NULL);
  dw__define_hidden(c, e, "line", dw__number(c, t->error_line), NULL);
  dw__define_hidden(c, e, "column", dw__number(c, t->error_col), NULL);
  return e;
}

static dw_val with_code(dw__ctx *c, dw_val err, const char *code) {
  dw__define_hidden(c, err, "code", dw__string(c, code, strlen(code)), NULL);
  return err;
}

static dw_val result(dw__ctx *c, const char *kind, const char *key, dw_val v) {
  dw_val o = dw__record(c); /* made after guest code ran: no setter of its may see v */
  dw__set(c, o, "kind", dw__string(c, kind, strlen(kind)), NULL);
  dw__set(c, o, key, v, NULL);
  return o;
}

static dw_val compile_js(dw_sandbox *sb, const dw__module *m, bool main, dw_val *exc) {
  dw__ctx *c = sb->c;
  dw_transform_out t = {0};
  int rc = dw__transform_ex(m->data, m->len, m->type, main ? DW__TRANSFORM_PLAIN : 0, &t);
  dw_val r = NULL;
  if (rc == DW_E_SYNTAX) {
    *exc = with_code(c, syntax_error(c, m->name, &t), "syntax_error");
  } else if (rc) {
    char msg[256];
    snprintf(msg, sizeof msg, "cannot transform module '%s': %s", m->name, dw_strerror(rc));
    *exc = dw__make_error(c, "RangeError", msg);
  } else {
    dw_val fn = dw__eval(c, t.script, t.script_len, m->name, 1, exc);
    dw_val prefix = dw__number(c, (double)t.prefix_units);
    if (fn) {
      r = result(c, m->type == DW_MODULE_CJS ? "cjs" : "esm", "fn", fn);
      dw__set(c, r, "prefix", prefix, NULL);
      /* How runtime.js may run it as the main module: with the linker (0); without it, no
       * import, re-export or import() (1: with top-level await, an async generator); or, no
       * top-level await either, in one call of a plain function (2). */
      int how = m->type == DW_MODULE_CJS || !t.simple ? 0 : t.plain ? 2 : t.has_tla ? 1 : 0;
      dw__set(c, r, "main", dw__number(c, how), NULL);
    } else if (*exc && dw__is_object(c, *exc)) {
      with_code(c, *exc, "syntax_error");
      dw__define_hidden(c, *exc, "prefix", prefix, NULL);
    }
  }
  dw__transform_out_free(&t);
  return r;
}

dw_val dw__sandbox_compile(dw_sandbox *sb, const char *name, bool main, dw_val *exc) {
  dw__ctx *c = sb->c;
  const dw__module *m = sb->code ? dw__code_find(sb->code, name) : NULL;
  char msg[1200];
  if (!m) {
    snprintf(msg, sizeof msg, "Cannot find module '%s'", name);
    *exc = with_code(c, dw__make_error(c, "Error", msg), "module_not_found");
    return NULL;
  }
  switch (m->type) {
  case DW_MODULE_ESM:
  case DW_MODULE_TS:
  case DW_MODULE_CJS:
    return compile_js(sb, m, main, exc);
  case DW_MODULE_JSON: {
    dw_val v = dw__json_parse(c, m->data, m->len);
    if (!v) {
      snprintf(msg, sizeof msg, "Invalid JSON in module '%s'", name);
      *exc = with_code(c, dw__make_error(c, "SyntaxError", msg), "syntax_error");
      return NULL;
    }
    return result(c, "json", "value", v);
  }
  case DW_MODULE_TEXT:
    return result(c, "text", "value", dw__string(c, m->data, m->len));
  case DW_MODULE_DATA: {
    dw_val ab = dw__array_buffer(c, m->data, m->len, exc);
    return ab ? result(c, "data", "value", ab) : NULL;
  }
  case DW_MODULE_WASM: {
    dw_val wasm = dw__get(c, dw__global(c), "WebAssembly", NULL);
    if (!dw__vm_allows_wasm(sb->vm) || !wasm || dw__is_undefined(c, wasm)) {
      snprintf(msg, sizeof msg,
               "WebAssembly is not enabled in this sandbox (module '%s')", name);
      *exc = with_code(c, dw__make_error(c, "Error", msg), "wasm_disabled");
      return NULL;
    }
    /* Checked here, not only by the realm's WebAssembly.Module (runtime.js), which a guest
     * may have replaced by the time a module is linked. */
    char why[256];
    if (dw__wasm_scan(m->data, m->len, why, sizeof why) != DW__WASM_OK) {
      snprintf(msg, sizeof msg, "WebAssembly module '%s' refused: %s", name, why);
      *exc = dw__make_error(c, "TypeError", msg);
      return NULL;
    }
    dw_val ab = dw__array_buffer(c, m->data, m->len, exc);
    if (!ab) return NULL;
    dw_val mod = dw__get(c, wasm, "Module", exc);
    static const char make_src[] = "(function(M,b){return new M(b)})";
    dw_val make = mod ? dw__eval(c, make_src, sizeof make_src - 1, "dynworker:wasm", 1, exc) : NULL;
    dw_val args[2] = {mod, ab};
    dw_val v = make ? dw__call(c, make, NULL, 2, args, exc) : NULL;
    return v ? result(c, "wasm", "value", v) : NULL;
  }
  default:
    break;
  }
  *exc = dw__make_error(c, "TypeError", "unknown module type");
  return NULL;
}

/* native wasmBytes(source) for runtime.js's WebAssembly guard: a private copy of the bytes of
 * an ArrayBuffer or typed array, scanned for shared memories. Returns the copy (an
 * ArrayBuffer nobody else holds, so what the engine compiles is what was scanned), a string
 * (why it is refused), or undefined when `source` is no buffer the C API can read (runtime.js
 * handles DataViews and empty or detached buffers). */
dw_val dw__sandbox_wasm_bytes(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                              dw_val *exc) {
  (void)data;
  size_t n = 0;
  const void *src = argc ? dw__bytes(c, argv[0], &n) : NULL;
  if (!src) return dw__undefined(c);
  dw_val copy = dw__array_buffer(c, src, n, exc);
  if (!copy) return NULL;
  size_t m = 0;
  const void *bytes = dw__bytes(c, copy, &m);
  char why[256];
  if (!bytes || m != n) {
    *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  if (dw__wasm_scan(bytes, m, why, sizeof why) != DW__WASM_OK)
    return dw__string(c, why, strlen(why));
  return copy;
}
