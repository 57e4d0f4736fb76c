/* Values, strings, calls and native functions over the JavaScriptCore C API. */
#include <pthread.h>
#include <string.h>
#include "engine_internal.h"

/* ---- UTF-8 <-> UTF-16 ---------------------------------------------------------------- */

/* Converts UTF-8 (possibly invalid, possibly with NULs) to a JSString; invalid sequences
 * become U+FFFD. NULL when out of memory. */
static JSStringRef utf8_to_jsstring(const char *s, size_t n) {
  JSChar *u = malloc((n ? n : 1) * sizeof(JSChar));
  if (!u) return NULL;
  size_t o = 0, i = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) {
      u[o++] = (JSChar)c;
      i++;
      continue;
    }
    size_t len = 0;
    unsigned min = 0;
    if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, c &= 0x07;
    bool ok = len && i + len <= n;
    for (size_t k = 1; ok && k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) ok = false;
      else c = (c << 6) | (p[i + k] & 0x3F);
    }
    if (ok && (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) ok = false;
    if (!ok) {
      u[o++] = 0xFFFD;
      i++;
      continue;
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      u[o++] = (JSChar)(0xD800 | (c >> 10));
      u[o++] = (JSChar)(0xDC00 | (c & 0x3FF));
    } else {
      u[o++] = (JSChar)c;
    }
    i += len;
  }
  JSStringRef r = JSStringCreateWithCharacters(u, o);
  free(u);
  return r;
}

/* UTF-16 to UTF-8 (lone surrogates become U+FFFD). Caller frees; NULL when out of memory. */
static char *jsstring_to_utf8(JSStringRef s, size_t *len) {
  size_t n = JSStringGetLength(s);
  const JSChar *u = JSStringGetCharactersPtr(s);
  if (n > (SIZE_MAX - 1) / 3) return NULL;
  char *out = malloc(n * 3 + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned c = u[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x80) out[o++] = (char)c;
    else if (c < 0x800) {
      out[o++] = (char)(0xC0 | (c >> 6));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out[o++] = (char)(0xE0 | (c >> 12));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    } else {
      out[o++] = (char)(0xF0 | (c >> 18));
      out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
      out[o++] = (char)(0x80 | (c & 0x3F));
    }
  }
  out[o] = 0;
  if (len) *len = o;
  return out;
}

/* ---- Values ------------------------------------------------------------------------- */

dw_val dw__undefined(dw__ctx *c) { return W(JSValueMakeUndefined(c->ctx)); }
dw_val dw__null(dw__ctx *c) { return W(JSValueMakeNull(c->ctx)); }
dw_val dw__bool(dw__ctx *c, bool b) { return W(JSValueMakeBoolean(c->ctx, b)); }
dw_val dw__number(dw__ctx *c, double d) { return W(JSValueMakeNumber(c->ctx, d)); }
dw_val dw__global(dw__ctx *c) { return W(JSContextGetGlobalObject(c->ctx)); }
dw_val dw__object(dw__ctx *c) { return W(JSObjectMake(c->ctx, NULL, NULL)); }

/* A new object of class cls (NULL: plain) and private data p, with no prototype. */
static dw_val bare_object(dw__ctx *c, JSClassRef cls, void *p) {
  JSObjectRef o = JSObjectMake(c->ctx, cls, p);
  if (o) JSObjectSetPrototype(c->ctx, o, JSValueMakeNull(c->ctx));
  return W(o);
}

dw_val dw__record(dw__ctx *c) { return bare_object(c, NULL, NULL); }

dw_val dw__string(dw__ctx *c, const char *s, size_t n) {
  JSStringRef js = utf8_to_jsstring(s, n);
  if (!js) return W(JSValueMakeUndefined(c->ctx));
  JSValueRef v = JSValueMakeString(c->ctx, js);
  JSStringRelease(js);
  return W(v);
}

static size_t string_slot(const dw__vm_string *t, size_t cap, const char *s, size_t n) {
  size_t i = ((((uintptr_t)s >> 3) ^ n) * 0x9E3779B97F4A7C15u) & (cap - 1);
  while (t[i].s && !(t[i].s == s && t[i].n == n)) i = (i + 1) & (cap - 1);
  return i;
}

/* Doubles the table (or makes it); false when it may not grow or memory is short. */
static bool strings_grow(dw__vm *vm) {
  size_t cap = vm->strings_cap ? vm->strings_cap * 2 : 128;
  if (cap > DW__VM_STRINGS_MAX) return false;
  dw__vm_string *t = calloc(cap, sizeof *t);
  if (!t) return false;
  for (size_t i = 0; i < vm->strings_cap; i++)
    if (vm->strings[i].s) t[string_slot(t, cap, vm->strings[i].s, vm->strings[i].n)] = vm->strings[i];
  free(vm->strings);
  vm->strings = t;
  vm->strings_cap = cap;
  return true;
}

dw_val dw__string_static(dw__ctx *c, const char *s, size_t n) {
  dw__vm *vm = c->vm;
  if (vm->strings_cap) {
    dw__vm_string *e = &vm->strings[string_slot(vm->strings, vm->strings_cap, s, n)];
    if (e->s) return W(e->v);
  }
  if ((vm->nstrings + 1) * 2 > vm->strings_cap && !strings_grow(vm)) return dw__string(c, s, n);
  dw_val v = dw__string(c, s, n);
  if (!JSValueIsString(c->ctx, V(v))) return v;
  JSValueProtect(c->ctx, V(v)); /* until the VM goes (its heap with it) */
  dw__vm_string *e = &vm->strings[string_slot(vm->strings, vm->strings_cap, s, n)];
  e->s = s;
  e->n = n;
  e->v = V(v);
  vm->nstrings++;
  return v;
}


/* Array buffers are allocated by the engine, never wrapped around our own memory
 * (JSObjectMakeArrayBufferWithBytesNoCopy): with the Gigacage on, JIT-compiled code
 * assumes a buffer's bytes lie inside the cage and masks their address into it, so bytes
 * from malloc were read from the wrong place once the code was hot (a crash seen after
 * ~1,000 cross-realm calls carrying response bodies). */
JSObjectRef dw__engine_array_buffer(JSContextRef ctx, const void *p, size_t n, JSValueRef *exc) {
  JSObjectRef view = JSObjectMakeTypedArray(ctx, kJSTypedArrayTypeUint8Array, n, exc);
  if (!view) return NULL;
  JSObjectRef ab = JSObjectGetTypedArrayBuffer(ctx, view, exc);
  if (!ab) return NULL;
  if (n) {
    void *bytes = JSObjectGetArrayBufferBytesPtr(ctx, ab, exc);
    if (!bytes) return NULL;
    memcpy(bytes, p, n);
  }
  return ab;
}

dw_val dw__array_buffer(dw__ctx *c, const void *p, size_t n, dw_val *exc) {
  JSValueRef e = NULL;
  JSObjectRef ab = dw__engine_array_buffer(c->ctx, p, n, &e);
  if (!ab && exc) *exc = e ? W(e) : dw__make_error(c, "RangeError", "out of memory");
  return W(ab);
}

bool dw__is_undefined(dw__ctx *c, dw_val v) { return JSValueIsUndefined(c->ctx, V(v)); }
bool dw__is_null(dw__ctx *c, dw_val v) { return JSValueIsNull(c->ctx, V(v)); }
bool dw__is_string(dw__ctx *c, dw_val v) { return JSValueIsString(c->ctx, V(v)); }
bool dw__is_number(dw__ctx *c, dw_val v) { return JSValueIsNumber(c->ctx, V(v)); }
bool dw__is_object(dw__ctx *c, dw_val v) { return JSValueIsObject(c->ctx, V(v)); }
bool dw__is_function(dw__ctx *c, dw_val v) {
  return JSValueIsObject(c->ctx, V(v)) && JSObjectIsFunction(c->ctx, O(v));
}
double dw__to_number(dw__ctx *c, dw_val v) { return JSValueToNumber(c->ctx, V(v), NULL); }
bool dw__to_bool(dw__ctx *c, dw_val v) { return JSValueToBoolean(c->ctx, V(v)); }

char *dw__to_utf8(dw__ctx *c, dw_val v, size_t *len, dw_val *exc) {
  JSValueRef e = NULL;
  JSStringRef s = JSValueToStringCopy(c->ctx, V(v), &e);
  if (!s) {
    if (exc) *exc = W(e);
    return NULL;
  }
  char *r = jsstring_to_utf8(s, len);
  JSStringRelease(s);
  return r;
}

void *dw__bytes(dw__ctx *c, dw_val v, size_t *len) {
  if (!JSValueIsObject(c->ctx, V(v))) return NULL;
  JSTypedArrayType t = JSValueGetTypedArrayType(c->ctx, V(v), NULL);
  if (t == kJSTypedArrayTypeNone) return NULL;
  if (t == kJSTypedArrayTypeArrayBuffer) {
    *len = JSObjectGetArrayBufferByteLength(c->ctx, O(v), NULL);
    return JSObjectGetArrayBufferBytesPtr(c->ctx, O(v), NULL);
  }
  *len = JSObjectGetTypedArrayByteLength(c->ctx, O(v), NULL);
  char *p = JSObjectGetTypedArrayBytesPtr(c->ctx, O(v), NULL);
  return p ? p + JSObjectGetTypedArrayByteOffset(c->ctx, O(v), NULL) : NULL;
}

static JSStringRef key_string(const char *key) { return JSStringCreateWithUTF8CString(key); }

dw_val dw__get(dw__ctx *c, dw_val obj, const char *key, dw_val *exc) {
  if (!JSValueIsObject(c->ctx, V(obj))) return dw__undefined(c);
  JSStringRef k = key_string(key);
  JSValueRef e = NULL;
  JSValueRef r = JSObjectGetProperty(c->ctx, O(obj), k, &e);
  JSStringRelease(k);
  if (e && exc) *exc = W(e);
  return e ? NULL : W(r);
}

dw_val dw__get_index(dw__ctx *c, dw_val obj, unsigned i, dw_val *exc) {
  if (!JSValueIsObject(c->ctx, V(obj))) return dw__undefined(c);
  JSValueRef e = NULL;
  JSValueRef r = JSObjectGetPropertyAtIndex(c->ctx, O(obj), i, &e);
  if (e && exc) *exc = W(e);
  return e ? NULL : W(r);
}

bool dw__set_index(dw__ctx *c, dw_val obj, unsigned i, dw_val v) {
  JSValueRef e = NULL;
  JSObjectSetPropertyAtIndex(c->ctx, O(obj), i, V(v), &e);
  return !e;
}

void dw__set(dw__ctx *c, dw_val obj, const char *key, dw_val v, dw_val *exc) {
  JSStringRef k = key_string(key);
  JSValueRef e = NULL;
  JSObjectSetProperty(c->ctx, O(obj), k, V(v), kJSPropertyAttributeNone, &e);
  JSStringRelease(k);
  if (e && exc) *exc = W(e);
}

void dw__define_hidden(dw__ctx *c, dw_val obj, const char *key, dw_val v, dw_val *exc) {
  JSStringRef k = key_string(key);
  JSValueRef e = NULL;
  JSObjectSetProperty(c->ctx, O(obj), k, V(v), kJSPropertyAttributeDontEnum, &e);
  JSStringRelease(k);
  if (e && exc) *exc = W(e);
}

void dw__delete(dw__ctx *c, dw_val obj, const char *key) {
  JSStringRef k = key_string(key);
  JSObjectDeleteProperty(c->ctx, O(obj), k, NULL);
  JSStringRelease(k);
}

dw_val dw__json_parse(dw__ctx *c, const char *s, size_t n) {
  JSStringRef js = utf8_to_jsstring(s, n);
  if (!js) return NULL;
  JSValueRef v = JSValueMakeFromJSONString(c->ctx, js);
  JSStringRelease(js);
  return W(v);
}

char *dw__json_stringify(dw__ctx *c, dw_val v, size_t *len, dw_val *exc) {
  JSValueRef e = NULL;
  JSStringRef s = JSValueCreateJSONString(c->ctx, V(v), 0, &e);
  if (!s) {
    if (exc) *exc = W(e);
    return NULL;
  }
  char *r = jsstring_to_utf8(s, len);
  JSStringRelease(s);
  return r;
}

void dw__protect(dw__ctx *c, dw_val v) { JSValueProtect(c->ctx, V(v)); }
void dw__unprotect(dw__ctx *c, dw_val v) { JSValueUnprotect(c->ctx, V(v)); }

/* ---- Running code --------------------------------------------------------------------- */

/* Evaluates `s` (released here; NULL: out of memory) as a classic script named `url`. */
static dw_val eval_string(dw__ctx *c, JSStringRef s, const char *url, int line, dw_val *exc) {
  if (!s) {
    *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  JSStringRef u = url ? JSStringCreateWithUTF8CString(url) : NULL;
  JSValueRef e = NULL;
  JSValueRef r = JSEvaluateScript(c->ctx, s, NULL, u, line, &e);
  JSStringRelease(s);
  if (u) JSStringRelease(u);
  if (!r) *exc = W(e);
  return W(r);
}

dw_val dw__eval(dw__ctx *c, const char *src, size_t n, const char *url, int line, dw_val *exc) {
  return eval_string(c, utf8_to_jsstring(src, n), url, line, exc);
}

/* The VM's script for src, made at its second evaluation in this VM (see dw__vm_script); NULL
 * while it has been evaluated once, when the table is full, or when making it failed (the
 * text is then evaluated as a string, which reports any error the usual way). */
static JSScriptRef vm_script(dw__ctx *c, const unsigned short *src, size_t n, const char *url,
                             int line) {
  dw__vm *vm = c->vm;
  dw__vm_script *e = NULL;
  for (int i = 0; i < vm->nscripts && !e; i++)
    if (vm->scripts[i].src == src) e = &vm->scripts[i];
  if (!e) {
    if (vm->nscripts < DW__VM_SCRIPTS) vm->scripts[vm->nscripts++].src = src;
    return NULL;
  }
  if (!e->script) {
    JSStringRef s = JSStringCreateWithCharactersNoCopy(src, n);
    JSStringRef u = JSStringCreateWithUTF8CString(url ? url : "");
    if (s && u) e->script = JSScriptCreateFromString(vm->group, u, line, s, NULL, NULL);
    if (s) JSStringRelease(s);
    if (u) JSStringRelease(u);
  }
  return e->script;
}

dw_val dw__eval_static(dw__ctx *c, const unsigned short *src, size_t n, const char *url, int line,
                       dw_val *exc) {
  JSScriptRef script = vm_script(c, src, n, url, line);
  if (!script) return eval_string(c, JSStringCreateWithCharactersNoCopy(src, n), url, line, exc);
  JSValueRef e = NULL;
  JSValueRef r = JSScriptEvaluate(c->ctx, script, NULL, &e);
  if (!r) *exc = W(e);
  return W(r);
}

dw_val dw__array(dw__ctx *c, size_t n, const dw_val *items, dw_val *exc) {
  JSValueRef e = NULL;
  JSObjectRef a = JSObjectMakeArray(c->ctx, n, (const JSValueRef *)items, &e);
  if (!a && exc) *exc = e ? W(e) : dw__make_error(c, "RangeError", "out of memory");
  return W(a);
}

dw_val dw__call(dw__ctx *c, dw_val fn, dw_val self, size_t argc, const dw_val *argv,
                dw_val *exc) {
  if (!dw__is_function(c, fn)) {
    if (exc) *exc = dw__make_error(c, "TypeError", "not a function");
    return NULL;
  }
  JSValueRef e = NULL;
  JSObjectRef thisobj = self && JSValueIsObject(c->ctx, V(self)) ? O(self) : NULL;
  JSValueRef r = JSObjectCallAsFunction(c->ctx, O(fn), thisobj, argc, (const JSValueRef *)argv, &e);
  if (!r && exc) *exc = W(e);
  return W(r);
}

/* ---- Natives ------------------------------------------------------------------------ */

typedef struct {
  dw__native_fn fn;
  dw__ctx *c;
  void *data;
} native;

static JSValueRef native_call(JSContextRef ctx, JSObjectRef f, JSObjectRef self, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception) {
  native *n = JSObjectGetPrivate(f);
  if (!n) return JSValueMakeUndefined(ctx);
  dw_val exc = NULL;
  dw_val r = n->fn(n->c, n->data, argc, (const dw_val *)argv, &exc);
  if (exc) {
    *exception = V(exc);
    return NULL;
  }
  return r ? V(r) : JSValueMakeUndefined(ctx);
}

static void native_finalize(JSObjectRef f) { free(JSObjectGetPrivate(f)); }

/* The class of native functions: created once per process and never changed after. */
static JSClassRef native_cls;
static pthread_once_t native_once = PTHREAD_ONCE_INIT;

static void make_native_class(void) {
  JSClassDefinition def = kJSClassDefinitionEmpty;
  def.className = "Function";
  def.callAsFunction = native_call;
  def.finalize = native_finalize;
  native_cls = JSClassCreate(&def);
}

dw_val dw__native(dw__ctx *c, const char *name, dw__native_fn fn, void *data) {
  pthread_once(&native_once, make_native_class);
  native *n = malloc(sizeof *n);
  if (!n) return NULL;
  n->fn = fn;
  n->c = c;
  n->data = data;
  JSObjectRef f = JSObjectMake(c->ctx, native_cls, n);
  if (!f) free(n);
  return W(f);
}

struct dw__weak {
  JSContextGroupRef group;
  JSWeakRef ref;
};

dw__weak *dw__weak_new(dw__ctx *c, dw_val obj) {
  if (!JSValueIsObject(c->ctx, V(obj))) return NULL;
  dw__weak *w = malloc(sizeof *w);
  if (!w) return NULL;
  w->group = c->vm->group;
  w->ref = JSWeakCreate(w->group, O(obj));
  if (!w->ref) {
    free(w);
    return NULL;
  }
  return w;
}

bool dw__weak_alive(const dw__weak *w) { return JSWeakGetObject(w->ref) != NULL; }

dw_val dw__weak_get(const dw__weak *w) { return W(JSWeakGetObject(w->ref)); }

void dw__weak_free(dw__weak *w) {
  if (!w) return;
  JSWeakRelease(w->group, w->ref);
  free(w);
}

typedef struct {
  void *data;
  void (*finalize)(void *);
} handle;

static void handle_finalize(JSObjectRef o) {
  handle *h = JSObjectGetPrivate(o);
  if (h && h->data) h->finalize(h->data);
  free(h);
}

/* The class of handles: created once per process and never changed after. */
static JSClassRef handle_cls;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void make_handle_class(void) {
  JSClassDefinition def = kJSClassDefinitionEmpty;
  def.className = "Handle";
  def.attributes = kJSClassAttributeNoAutomaticPrototype;
  def.finalize = handle_finalize;
  handle_cls = JSClassCreate(&def);
}

dw_val dw__handle_new(dw__ctx *c, void *data, void (*finalize)(void *data)) {
  pthread_once(&handle_once, make_handle_class);
  handle *h = malloc(sizeof *h);
  if (!h) return NULL;
  h->data = data;
  h->finalize = finalize;
  JSObjectRef o = JSObjectMake(c->ctx, handle_cls, h);
  if (!o) free(h);
  return W(o);
}

/* Keys are handles without data (handle_finalize ignores a NULL private) and without a
 * prototype. */
dw_val dw__key_new(dw__ctx *c) {
  pthread_once(&handle_once, make_handle_class);
  return bare_object(c, handle_cls, NULL);
}

bool dw__key_hold(dw__ctx *c, dw_val key, dw_val v) {
  pthread_once(&handle_once, make_handle_class);
  if (!key || !JSValueIsObjectOfClass(c->ctx, V(key), handle_cls) || JSObjectGetPrivate(O(key)))
    return false;
  JSStringRef name = JSStringCreateWithUTF8CString("held");
  bool ok = JSObjectSetPrivateProperty(c->ctx, O(key), name, V(v));
  JSStringRelease(name);
  return ok;
}

static handle *handle_of(dw__ctx *c, dw_val v) {
  pthread_once(&handle_once, make_handle_class);
  if (!v || !JSValueIsObjectOfClass(c->ctx, V(v), handle_cls)) return NULL;
  return JSObjectGetPrivate(O(v));
}

void *dw__handle_data(dw__ctx *c, dw_val v) {
  handle *h = handle_of(c, v);
  return h ? h->data : NULL;
}

void *dw__handle_take(dw__ctx *c, dw_val v) {
  handle *h = handle_of(c, v);
  if (!h) return NULL;
  void *d = h->data;
  h->data = NULL;
  return d;
}

dw_val dw__make_error(dw__ctx *c, const char *kind, const char *msg) {
  dw_val ctor = dw__get(c, dw__global(c), kind, NULL);
  dw_val arg = dw__string(c, msg, strlen(msg));
  JSValueRef e = NULL;
  JSObjectRef r = NULL;
  if (ctor && dw__is_function(c, ctor))
    r = JSObjectCallAsConstructor(c->ctx, O(ctor), 1, (const JSValueRef *)&arg, &e);
  if (!r) r = JSObjectMakeError(c->ctx, 1, (const JSValueRef *)&arg, NULL);
  return W(r);
}

static char *prop_string(dw__ctx *c, dw_val obj, const char *key) {
  dw_val exc = NULL;
  dw_val v = dw__get(c, obj, key, &exc);
  if (!v || exc || !JSValueIsString(c->ctx, V(v))) return NULL;
  return dw__to_utf8(c, v, NULL, NULL);
}

void dw__exc_describe(dw__ctx *c, dw_val exc, dw__exc_info *out) {
  memset(out, 0, sizeof *out);
  if (exc && JSValueIsObject(c->ctx, V(exc))) {
    out->name = prop_string(c, exc, "name");
    out->message = prop_string(c, exc, "message");
    out->stack = prop_string(c, exc, "stack");
    out->code = prop_string(c, exc, "code");
    /* JSC keeps the position of a syntax error in line/column/sourceURL, not in stack. */
    if (!out->stack || !*out->stack) {
      dw_val line = dw__get(c, exc, "line", NULL);
      char *url = prop_string(c, exc, "sourceURL");
      if (url && line && dw__is_number(c, line)) {
        dw_val col = dw__get(c, exc, "column", NULL);
        dw_buf b;
        dw__buf_init(&b, 4096);
        dw__buf_printf(&b, "    at %s:%d:%d", url, (int)dw__to_number(c, line),
                       col && dw__is_number(c, col) ? (int)dw__to_number(c, col) : 0);
        free(out->stack);
        out->stack = dw__buf_steal(&b, NULL);
      }
      free(url);
    }
  }
  if (!out->message && exc) out->message = dw__to_utf8(c, exc, NULL, NULL);
  if (!out->name) out->name = dw__strdup(exc && JSValueIsObject(c->ctx, V(exc)) ? "Error" : "");
  if (!out->message) out->message = dw__strdup(exc ? "(unprintable exception)" : "terminated");
  if (!out->stack) out->stack = dw__strdup("");
}

void dw__exc_info_free(dw__exc_info *e) {
  free(e->name);
  free(e->message);
  free(e->stack);
  free(e->code);
  memset(e, 0, sizeof *e);
}

dw_val dw__deferred(dw__ctx *c, dw_val *resolve, dw_val *reject, dw_val *exc) {
  JSObjectRef res = NULL, rej = NULL;
  JSValueRef e = NULL;
  JSObjectRef p = JSObjectMakeDeferredPromise(c->ctx, &res, &rej, &e);
  if (!p) {
    if (exc) *exc = W(e);
    return NULL;
  }
  *resolve = W(res);
  *reject = W(rej);
  return W(p);
}
