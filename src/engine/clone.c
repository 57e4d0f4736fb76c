/* Structured clone: serialises JS values to a versioned byte format and back
 * (docs/internals/clone.md).
 *
 * Tamper resistance: guest code may have replaced any built-in of its realm. Everything the
 * serializer needs to *inspect* (brand checks, Map/Set entries, RegExp flags, property
 * lists) is done by helper functions evaluated in a private realm of the same VM, created
 * for the call and released after it: its built-ins are pristine and work on objects of any
 * realm of the VM. No object of that realm is ever handed to guest code: exceptions it
 * raises are converted into errors of the caller's realm. Objects are *created* in the
 * destination realm through the C API (Array, Date, RegExp, ArrayBuffer, typed arrays,
 * wrappers) or, for Map, Set, DataView and Error subclasses, through constructors read from
 * the destination's globals at the start of the read (a realm that replaced them gets its
 * replacements; see the doc's known gaps). */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "engine_internal.h"
#include "engine/clone.h"

enum {
  T_UNDEF = '_', T_NULL = '0', T_TRUE = 'T', T_FALSE = 'F', T_NUM = 'N', T_BIGINT = 'Z',
  T_STR = 'S', T_REF = 'R', T_CAP = 'C', T_OBJ = 'o', T_ARR = 'A', T_BOOLOBJ = 'b',
  T_NUMOBJ = 'n', T_STROBJ = 's', T_BIGOBJ = 'z', T_DATE = 'D', T_REGEXP = 'X',
  T_ABUF = 'B', T_VIEW = 'V', T_MAP = 'M', T_SET = 'E', T_ERROR = '!',
};
#define VIEW_DATAVIEW 0xFF

/* Error kinds on the wire: Error, EvalError, RangeError, ReferenceError, SyntaxError,
 * TypeError, URIError (in that order; the helper realm maps names to these numbers). */
#define ERROR_KINDS 7

/* ---- The private helper realm ---------------------------------------------------------- */

/* Evaluated in the private realm; returns [cls, props, defs, mset, sadd, gpo, mine]. */
static const char helper_src[] =
    "(function(){'use strict';\n"
    "const O=Object,keys=O.keys,gpo=O.getPrototypeOf,gopd=O.getOwnPropertyDescriptor,"
    "dp=O.defineProperty,call=Function.prototype.call,un=f=>call.bind(f),"
    "hasOwn=un(O.prototype.hasOwnProperty),gt=(C,p)=>un(gopd(C.prototype,p).get),"
    "toStr=un(O.prototype.toString),PErr=Error,"
    "isErr=typeof Error.isError==='function'?Error.isError:"
    "(o=>{try{return toStr(o)==='[object Error]'}catch(e){return false}});\n"
    "const brands=[[1,un(Boolean.prototype.valueOf)],[2,un(Number.prototype.valueOf)],"
    "[3,un(String.prototype.valueOf)],[4,un(BigInt.prototype.valueOf)],"
    "[5,un(Date.prototype.getTime)],[6,gt(RegExp,'source')],[7,gt(Map,'size')],"
    "[8,gt(Set,'size')],[9,gt(DataView,'byteLength')]];\n"
    "const flags=[['d','hasIndices'],['g','global'],['i','ignoreCase'],['m','multiline'],"
    "['s','dotAll'],['u','unicode'],['v','unicodeSets'],['y','sticky']]"
    ".filter(x=>gopd(RegExp.prototype,x[1])).map(x=>[x[0],gt(RegExp,x[1])]);\n"
    "const mapEach=un(Map.prototype.forEach),setEach=un(Set.prototype.forEach),"
    "mSet=un(Map.prototype.set),sAdd=un(Set.prototype.add),dvBuf=gt(DataView,'buffer'),"
    "dvOff=gt(DataView,'byteOffset');\n"
    "const forbid=[['WeakMap',un(WeakMap.prototype.has),{}],['WeakSet',un(WeakSet.prototype.has),{}],"
    "['Promise',un(Promise.prototype.then),undefined],['Symbol',un(Symbol.prototype.valueOf),undefined]];\n"
    "if(typeof WeakRef==='function')forbid.push(['WeakRef',un(WeakRef.prototype.deref),undefined]);\n"
    "if(typeof FinalizationRegistry==='function')forbid.push(['FinalizationRegistry',"
    "un(FinalizationRegistry.prototype.unregister),{}]);\n"
    "const names=['Error','EvalError','RangeError','ReferenceError','SyntaxError','TypeError','URIError'];\n"
    "const own=(o,k)=>{const d=gopd(o,k);return d!==undefined&&hasOwn(d,'value')?d:undefined};\n"
    "function cls(o){\n"
    " for(let i=0;i<brands.length;i++){let r;try{r=brands[i][1](o)}catch(e){continue}\n"
    "  const k=brands[i][0];\n"
    "  if(k===6){let f='';for(let j=0;j<flags.length;j++)if(flags[j][1](o))f+=flags[j][0];return [6,r,f]}\n"
    "  if(k===7){const a=[];mapEach(o,(v,kk)=>{a[a.length]=kk;a[a.length]=v});return [7,a]}\n"
    "  if(k===8){const a=[];setEach(o,v=>{a[a.length]=v});return [8,a]}\n"
    "  if(k===9)return [9,dvBuf(o),dvOff(o),r];\n"
    "  return [k,r]}\n"
    " if(isErr(o)){let n=o.name;n=names.indexOf(n);if(n<0)n=0;\n"
    "  const m=own(o,'message'),s=own(o,'stack'),c=own(o,'cause');\n"
    "  return [10,n,m===undefined?undefined:String(m.value),"
    "s!==undefined&&typeof s.value==='string'?s.value:undefined,c!==undefined,c===undefined?undefined:c.value]}\n"
    " for(let i=0;i<forbid.length;i++){try{forbid[i][1](o,forbid[i][2])}catch(e){continue}return [-1,forbid[i][0]]}\n"
    " return [0]}\n"
    "function props(o){const ks=keys(o),a=[];for(let i=0;i<ks.length;i++){const k=ks[i];"
    "if(hasOwn(o,k)){a[a.length]=k;a[a.length]=o[k]}}return a}\n"
    "function defs(t,a){for(let i=0;i<a.length;i+=2)dp(t,a[i],{value:a[i+1],writable:true,"
    "enumerable:true,configurable:true})}\n"
    "function mset(m,a){for(let i=0;i<a.length;i+=2)mSet(m,a[i],a[i+1])}\n"
    "function sadd(s,a){for(let i=0;i<a.length;i++)sAdd(s,a[i])}\n"
    "function mine(e){try{return e instanceof PErr}catch(x){return false}}\n"
    "for(const g of ['WebAssembly','console','eval','Function'])delete globalThis[g];\n"
    /* The realm is kept for the VM's lifetime, so everything reachable in it is frozen: a
       guest that ever gets hold of one of its objects (see the Promise check in the doc)
       must not be able to change how later values are inspected. */
    "const seen=new Set(),todo=[globalThis,gpo([][Symbol.iterator]()),gpo(function*(){}),"
    "gpo(async function(){}),gpo(async function*(){}),gpo(new Map().entries()),"
    "gpo(new Set().values()),gpo(''[Symbol.iterator]()),gpo(/a/[Symbol.matchAll]('a'))];\n"
    "while(todo.length){const o=todo.pop();"
    "if(o===null||(typeof o!=='object'&&typeof o!=='function')||seen.has(o))continue;"
    "seen.add(o);O.freeze(o);todo.push(gpo(o));const ks=Reflect.ownKeys(o);"
    "for(let i=0;i<ks.length;i++){const d=gopd(o,ks[i]);if(!d)continue;"
    "if(hasOwn(d,'value'))todo.push(d.value);else{todo.push(d.get);todo.push(d.set)}}}\n"
    "return [cls,props,defs,mset,sadd,gpo,mine]})()";

enum { H_CLS, H_PROPS, H_DEFS, H_MSET, H_SADD, H_GPO, H_MINE, H_N };

/* Constructors of the destination realm, read from its globals. */
static const char dest_src[] =
    "(function(){'use strict';const M=Map,S=Set,D=DataView,E=[Error,EvalError,RangeError,"
    "ReferenceError,SyntaxError,TypeError,URIError];return [()=>new M,()=>new S,"
    "(b,o,l)=>new D(b,o,l),(i,m)=>m===undefined?new E[i]():new E[i](m)]})()";
enum { D_MAP, D_SET, D_DV, D_ERR, D_N };

typedef struct {
  dw__ctx *c;
  JSGlobalContextRef p; /* the private realm */
  JSObjectRef fns;      /* protected array of the helper functions */
  JSObjectRef f[H_N];
  JSObjectRef d[D_N]; /* destination constructors (read only, lazily) */
  JSObjectRef dfns;
  dw_val exc;
  int err;
} helper;

static JSValueRef str_value(JSContextRef ctx, const char *s) {
  JSStringRef js = JSStringCreateWithUTF8CString(s);
  JSValueRef v = JSValueMakeString(ctx, js);
  JSStringRelease(js);
  return v;
}

/* A DataCloneError of realm c. */
static dw_val clone_error(dw__ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static dw_val clone_error(dw__ctx *c, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  dw_val e = dw__make_error(c, "Error", msg);
  dw__define_hidden(c, e, "name", W(str_value(c->ctx, "DataCloneError")), NULL);
  return e;
}

static void helper_init(helper *h, dw__ctx *c) {
  memset(h, 0, sizeof *h);
  h->c = c;
}

/* The private realm of a VM, made on first use and kept until the VM is freed. */
struct dw__clone_realm {
  JSGlobalContextRef p;
  JSObjectRef fns; /* protected */
  JSObjectRef f[H_N];
};

void dw__clone_realm_free(dw__vm *vm) {
  dw__clone_realm *r = vm->clone_realm;
  if (!r) return;
  if (r->fns) JSValueUnprotect(r->p, r->fns);
  if (r->p) JSGlobalContextRelease(r->p);
  free(r);
  vm->clone_realm = NULL;
}

static int clone_realm_make(dw__vm *vm) {
  dw__clone_realm *r = calloc(1, sizeof *r);
  if (!r) return DW_E_NOMEM;
  vm->clone_realm = r;
  r->p = JSGlobalContextCreateInGroup(vm->group, NULL);
  if (!r->p) goto fail;
  /* Nothing but the helper runs here; no way for guest code to compile in it either. */
  JSStringRef msg = JSStringCreateWithUTF8CString("eval is disabled");
  JSGlobalContextSetEvalEnabled(r->p, false, msg);
  JSStringRelease(msg);
  JSStringRef s = JSStringCreateWithUTF8CString(helper_src);
  JSValueRef e = NULL;
  JSValueRef v = JSEvaluateScript(r->p, s, NULL, NULL, 1, &e);
  JSStringRelease(s);
  if (!v || !JSValueIsObject(r->p, v)) goto fail;
  r->fns = O(v);
  JSValueProtect(r->p, v);
  for (int i = 0; i < H_N; i++) {
    JSValueRef f = JSObjectGetPropertyAtIndex(r->p, r->fns, (unsigned)i, NULL);
    if (!f || !JSValueIsObject(r->p, f)) goto fail;
    r->f[i] = O(f);
  }
  return 0;
fail:
  dw__clone_realm_free(vm);
  return DW_E_INTERNAL;
}

/* Binds h to the VM's private realm (primitives never need it). */
static int helper_open(helper *h) {
  if (h->p) return 0;
  dw__vm *vm = h->c->vm;
  if (!vm->clone_realm) {
    /* Made inside the caller's budget; a termination while it is made leaves none, and
     * the next clone tries again. */
    int rc = clone_realm_make(vm);
    if (rc) return rc;
  }
  h->p = vm->clone_realm->p;
  h->fns = vm->clone_realm->fns;
  memcpy(h->f, vm->clone_realm->f, sizeof h->f);
  return 0;
}

static void helper_close(helper *h) {
  if (h->dfns) JSValueUnprotect(h->c->ctx, h->dfns);
}

/* Calls a helper; NULL on an exception, recorded in h (converted into an error of the
 * caller's realm when the helper's own built-ins raised it). */
static JSValueRef hcall(helper *h, int which, size_t argc, const JSValueRef *argv) {
  int rc = helper_open(h);
  if (rc) {
    h->err = rc == DW_E_NOMEM ? DW_E_NOMEM : DW_E_BAD_REQUEST;
    h->exc = dw__make_error(h->c, "RangeError", "out of memory");
    return NULL;
  }
  JSObjectRef fn = h->f[which];
  JSValueRef e = NULL;
  JSValueRef r = JSObjectCallAsFunction(h->p, fn, NULL, argc, argv, &e);
  if (r) return r;
  h->err = DW_E_BAD_REQUEST;
  if (!e) {
    h->exc = NULL; /* terminated */
  } else {
    JSValueRef m = JSObjectCallAsFunction(h->p, h->f[H_MINE], NULL, 1, &e, NULL);
    if (m && JSValueToBoolean(h->p, m)) {
      char *s = dw__to_utf8(h->c, W(e), NULL, NULL);
      h->exc = clone_error(h->c, "%s", s ? s : "error");
      free(s);
    } else {
      h->exc = W(e);
    }
  }
  return NULL;
}

/* ---- Writing ------------------------------------------------------------------------------ */

typedef struct {
  helper h;
  const dw__clone_caps *caps;
  dw_buf *out;
  JSValueRef *memo; /* objects by id, protected */
  size_t nmemo, capmemo;
  uint32_t *tab; /* open addressing: id + 1, 0 = empty */
  size_t tabsz;
} writer;

static size_t ptr_hash(const void *p, size_t mask) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x & mask;
}

static long memo_find(writer *w, JSValueRef o) {
  if (!w->tabsz) return -1;
  for (size_t i = ptr_hash(o, w->tabsz - 1);; i = (i + 1) & (w->tabsz - 1)) {
    if (!w->tab[i]) return -1;
    if (w->memo[w->tab[i] - 1] == o) return (long)w->tab[i] - 1;
  }
}

static int memo_add(writer *w, JSValueRef o) {
  if (w->nmemo >= UINT32_MAX - 1) return DW_E_TOO_LARGE;
  if (w->nmemo == w->capmemo) {
    size_t nc = w->capmemo ? w->capmemo * 2 : 64;
    JSValueRef *m = realloc(w->memo, nc * sizeof *m);
    if (!m) return DW_E_NOMEM;
    w->memo = m;
    w->capmemo = nc;
  }
  if ((w->nmemo + 1) * 2 > w->tabsz) {
    size_t ns = w->tabsz ? w->tabsz * 2 : 128;
    uint32_t *t = calloc(ns, sizeof *t);
    if (!t) return DW_E_NOMEM;
    for (size_t k = 0; k < w->nmemo; k++) {
      size_t i = ptr_hash(w->memo[k], ns - 1);
      while (t[i]) i = (i + 1) & (ns - 1);
      t[i] = (uint32_t)k + 1;
    }
    free(w->tab);
    w->tab = t;
    w->tabsz = ns;
  }
  JSValueProtect(w->h.c->ctx, o);
  w->memo[w->nmemo] = o;
  size_t i = ptr_hash(o, w->tabsz - 1);
  while (w->tab[i]) i = (i + 1) & (w->tabsz - 1);
  w->tab[i] = (uint32_t)++w->nmemo;
  return 0;
}

static int put(writer *w, const void *p, size_t n) { return dw__buf_append(w->out, p, n); }
static int put_u8(writer *w, unsigned b) {
  unsigned char c = (unsigned char)b;
  return put(w, &c, 1);
}
static int put_varint(writer *w, uint64_t v) {
  unsigned char b[10];
  size_t n = 0;
  do {
    b[n] = (unsigned char)(v & 0x7F);
    v >>= 7;
    if (v) b[n] |= 0x80;
    n++;
  } while (v);
  return put(w, b, n);
}
static int put_f64(writer *w, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
  return put(w, b, 8);
}
static int put_jsstring(writer *w, JSStringRef s) {
  size_t n = JSStringGetLength(s);
  const JSChar *u = JSStringGetCharactersPtr(s);
  bool latin1 = true;
  for (size_t i = 0; i < n && latin1; i++) latin1 = u[i] < 0x100;
  int rc = put_varint(w, ((uint64_t)n << 1) | latin1);
  for (size_t i = 0; i < n && !rc;) {
    unsigned char b[512];
    size_t k = 0;
    for (; i < n && k + 2 <= sizeof b; i++) {
      if (latin1) {
        b[k++] = (unsigned char)u[i];
      } else {
        b[k++] = (unsigned char)(u[i] & 0xFF);
        b[k++] = (unsigned char)(u[i] >> 8);
      }
    }
    rc = put(w, b, k);
  }
  return rc;
}
/* A JS string value (or, for a bigint, its decimal form). */
static int put_string_value(writer *w, JSValueRef v) {
  JSStringRef s = JSValueToStringCopy(w->h.c->ctx, v, NULL);
  if (!s) return DW_E_NOMEM;
  int rc = put_jsstring(w, s);
  JSStringRelease(s);
  return rc;
}

static int fail(writer *w, const char *what) {
  w->h.exc = clone_error(w->h.c, "%s could not be cloned", what);
  return DW_E_BAD_REQUEST;
}

static int write_value(writer *w, JSValueRef v, int depth);

static JSValueRef at(writer *w, JSObjectRef a, unsigned i) {
  JSValueRef v = JSObjectGetPropertyAtIndex(w->h.p, a, i, NULL);
  return v ? v : JSValueMakeUndefined(w->h.p);
}
/* Helper results are checked before use: a guest that got hold of the private realm's
 * built-ins (a Promise species constructor sees one function of it) could change them. */
static bool is_array(writer *w, JSValueRef v) {
  return v && JSValueIsObject(w->h.p, v) && JSValueIsArray(w->h.p, v);
}
static unsigned arr_len(JSContextRef ctx, JSObjectRef a) {
  JSStringRef k = JSStringCreateWithUTF8CString("length");
  double d = JSValueToNumber(ctx, JSObjectGetProperty(ctx, a, k, NULL), NULL);
  JSStringRelease(k);
  return d >= 0 && d <= UINT32_MAX ? (unsigned)d : 0;
}

/* Writes count, then key/value pairs from a flat [k0, v0, k1, v1...] array of the helper. */
static int write_pairs(writer *w, JSObjectRef flat, bool keys_are_strings, int depth) {
  unsigned n = arr_len(w->h.p, flat) / 2;
  int rc = put_varint(w, n);
  for (unsigned i = 0; i < n && !rc; i++) {
    JSValueRef k = at(w, flat, 2 * i);
    rc = keys_are_strings ? put_string_value(w, k) : write_value(w, k, depth + 1);
    if (!rc) rc = write_value(w, at(w, flat, 2 * i + 1), depth + 1);
  }
  return rc;
}

static int write_object(writer *w, JSObjectRef o, int depth) {
  dw__ctx *c = w->h.c;
  JSContextRef ctx = c->ctx;
  long id = memo_find(w, o);
  if (id >= 0) {
    int rc = put_u8(w, T_REF);
    return rc ? rc : put_varint(w, (uint64_t)id);
  }
  if (depth >= DW__CLONE_MAX_DEPTH) {
    w->h.exc = clone_error(c, "value nested more than %d deep could not be cloned",
                           DW__CLONE_MAX_DEPTH);
    return DW_E_BAD_REQUEST;
  }
  /* Capabilities first: a capability may be a function (a stub). */
  if (w->caps && w->caps->cap_encode) {
    int32_t slot = w->caps->cap_encode(w->caps->user, c, W(o));
    if (slot >= 0) {
      int rc = memo_add(w, o);
      if (!rc) rc = put_u8(w, T_CAP);
      return rc ? rc : put_varint(w, (uint64_t)slot);
    }
  }
  if (JSObjectIsFunction(ctx, o)) return fail(w, "a function");
  int rc = memo_add(w, o);
  if (rc) return rc;
  JSTypedArrayType tat = JSValueGetTypedArrayType(ctx, o, NULL);
  if (tat == kJSTypedArrayTypeArrayBuffer) {
    size_t n = JSObjectGetArrayBufferByteLength(ctx, o, NULL);
    void *p = JSObjectGetArrayBufferBytesPtr(ctx, o, NULL);
    if (!p) n = 0;
    if (!(rc = put_u8(w, T_ABUF)) && !(rc = put_varint(w, n))) rc = put(w, p, n);
    return rc;
  }
  if (tat != kJSTypedArrayTypeNone) {
    JSObjectRef buf = JSObjectGetTypedArrayBuffer(ctx, o, NULL);
    size_t off = JSObjectGetTypedArrayByteOffset(ctx, o, NULL);
    size_t len = JSObjectGetTypedArrayLength(ctx, o, NULL);
    if (!buf) return fail(w, "a typed array without a buffer");
    if (!(rc = put_u8(w, T_VIEW)) && !(rc = put_u8(w, (unsigned)tat)) &&
        !(rc = write_value(w, buf, depth + 1)) && !(rc = put_varint(w, off)))
      rc = put_varint(w, len);
    return rc;
  }
  if (JSValueIsArray(ctx, o)) {
    unsigned len = arr_len(ctx, o);
    JSValueRef flat = hcall(&w->h, H_PROPS, 1, (JSValueRef *)&o);
    if (!flat) return w->h.err;
    if (!is_array(w, flat)) return fail(w, "an array (helper tampered with)");
    if (!(rc = put_u8(w, T_ARR)) && !(rc = put_varint(w, len)))
      rc = write_pairs(w, O(flat), true, depth);
    return rc;
  }
  JSValueRef proto = JSObjectGetPrototype(ctx, o);
  if (JSValueIsNull(ctx, proto)) {
    /* A Proxy's own prototype slot is null: ask the real [[GetPrototypeOf]]. */
    JSValueRef p = hcall(&w->h, H_GPO, 1, (JSValueRef *)&o);
    if (!p) return w->h.err;
    if (!JSValueIsNull(ctx, p)) return fail(w, "a Proxy");
  }
  JSValueRef r = hcall(&w->h, H_CLS, 1, (JSValueRef *)&o);
  if (!r) return w->h.err;
  if (!is_array(w, r)) return fail(w, "an object (helper tampered with)");
  JSObjectRef ra = O(r);
  int kind = (int)JSValueToNumber(w->h.p, at(w, ra, 0), NULL);
  JSValueRef a1 = at(w, ra, 1);
  switch (kind) {
  case -1: {
    char *name = dw__to_utf8(c, W(a1), NULL, NULL);
    char what[64];
    snprintf(what, sizeof what, "a %s", name ? name : "special object");
    free(name);
    return fail(w, what);
  }
  case 1:
    if (!(rc = put_u8(w, T_BOOLOBJ))) rc = put_u8(w, JSValueToBoolean(ctx, a1));
    return rc;
  case 2:
    if (!(rc = put_u8(w, T_NUMOBJ))) rc = put_f64(w, JSValueToNumber(ctx, a1, NULL));
    return rc;
  case 3:
    if (!(rc = put_u8(w, T_STROBJ))) rc = put_string_value(w, a1);
    return rc;
  case 4:
    if (!(rc = put_u8(w, T_BIGOBJ))) rc = put_string_value(w, a1);
    return rc;
  case 5:
    if (!(rc = put_u8(w, T_DATE))) rc = put_f64(w, JSValueToNumber(ctx, a1, NULL));
    return rc;
  case 6:
    if (!(rc = put_u8(w, T_REGEXP)) && !(rc = put_string_value(w, a1)))
      rc = put_string_value(w, at(w, ra, 2));
    return rc;
  case 7:
  case 8: {
    if ((rc = put_u8(w, kind == 7 ? T_MAP : T_SET))) return rc;
    if (!is_array(w, a1)) return fail(w, "a Map or Set (helper tampered with)");
    JSObjectRef flat = O(a1);
    if (kind == 7) return write_pairs(w, flat, false, depth);
    unsigned n = arr_len(w->h.p, flat);
    rc = put_varint(w, n);
    for (unsigned i = 0; i < n && !rc; i++) rc = write_value(w, at(w, flat, i), depth + 1);
    return rc;
  }
  case 9: {
    JSValueRef off = at(w, ra, 2), len = at(w, ra, 3);
    if (!(rc = put_u8(w, T_VIEW)) && !(rc = put_u8(w, VIEW_DATAVIEW)) &&
        !(rc = write_value(w, a1, depth + 1)) &&
        !(rc = put_varint(w, (uint64_t)JSValueToNumber(ctx, off, NULL))))
      rc = put_varint(w, (uint64_t)JSValueToNumber(ctx, len, NULL));
    return rc;
  }
  case 10: {
    JSValueRef msg = at(w, ra, 2), stack = at(w, ra, 3), cause = at(w, ra, 5);
    bool has_cause = JSValueToBoolean(ctx, at(w, ra, 4));
    unsigned flags = (JSValueIsString(ctx, msg) ? 1 : 0) | (JSValueIsString(ctx, stack) ? 2 : 0) |
                     (has_cause ? 4 : 0);
    if (!(rc = put_u8(w, T_ERROR)) && !(rc = put_u8(w, (unsigned)JSValueToNumber(ctx, a1, NULL))))
      rc = put_u8(w, flags);
    if (!rc && (flags & 1)) rc = put_string_value(w, msg);
    if (!rc && (flags & 2)) rc = put_string_value(w, stack);
    if (!rc && (flags & 4)) rc = write_value(w, cause, depth + 1);
    return rc;
  }
  default: {
    JSValueRef flat = hcall(&w->h, H_PROPS, 1, (JSValueRef *)&o);
    if (!flat) return w->h.err;
    if (!is_array(w, flat)) return fail(w, "an object (helper tampered with)");
    if (!(rc = put_u8(w, T_OBJ))) rc = write_pairs(w, O(flat), true, depth);
    return rc;
  }
  }
}

static int write_value(writer *w, JSValueRef v, int depth) {
  JSContextRef ctx = w->h.c->ctx;
  switch (JSValueGetType(ctx, v)) {
  case kJSTypeUndefined: return put_u8(w, T_UNDEF);
  case kJSTypeNull: return put_u8(w, T_NULL);
  case kJSTypeBoolean: return put_u8(w, JSValueToBoolean(ctx, v) ? T_TRUE : T_FALSE);
  case kJSTypeNumber: {
    int rc = put_u8(w, T_NUM);
    return rc ? rc : put_f64(w, JSValueToNumber(ctx, v, NULL));
  }
  case kJSTypeString: {
    int rc = put_u8(w, T_STR);
    return rc ? rc : put_string_value(w, v);
  }
  case kJSTypeBigInt: {
    int rc = put_u8(w, T_BIGINT);
    return rc ? rc : put_string_value(w, v);
  }
  case kJSTypeSymbol: return fail(w, "a Symbol");
  case kJSTypeObject: return write_object(w, O(v), depth);
  }
  return fail(w, "a value of unknown type");
}

int dw__clone_write(dw__ctx *c, dw_val v, const dw__clone_caps *caps, dw_buf *out, dw_val *exc) {
  writer w;
  memset(&w, 0, sizeof w);
  w.caps = caps;
  w.out = out;
  size_t start = out->len;
  *exc = NULL;
  helper_init(&w.h, c);
  int rc = put_u8(&w, DW__CLONE_VERSION);
  if (!rc) rc = write_value(&w, V(v), 0);
  if (rc) {
    out->len = start;
    if (out->data) out->data[start] = 0;
    if (rc == DW_E_BAD_REQUEST) *exc = w.h.exc;
  }
  for (size_t i = 0; i < w.nmemo; i++) JSValueUnprotect(c->ctx, w.memo[i]);
  free(w.memo);
  free(w.tab);
  helper_close(&w.h);
  return rc;
}

/* ---- Reading ------------------------------------------------------------------------------ */

typedef struct {
  helper h;
  const dw__clone_caps *caps;
  const unsigned char *p;
  size_t n, pos;
  JSValueRef *memo; /* objects by id (NULL: reserved, not built yet), protected */
  size_t nmemo, capmemo;
  bool failed;
} reader;

static JSValueRef bad(reader *r, const char *what) {
  if (!r->failed) {
    r->failed = true;
    if (!r->h.exc && !r->h.err)
      r->h.exc = clone_error(r->h.c, "malformed clone data: %s at byte %zu", what, r->pos);
  }
  return NULL;
}

static size_t left(const reader *r) { return r->n - r->pos; }

static bool get_u8(reader *r, unsigned *b) {
  if (!left(r)) return bad(r, "unexpected end"), false;
  *b = r->p[r->pos++];
  return true;
}
static bool get_varint(reader *r, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    unsigned b;
    if (!get_u8(r, &b)) return false;
    if (shift == 63 && b > 1) break;
    x |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return bad(r, "bad varint"), false;
}
/* A count of items each taking at least `min` bytes of what is left. */
static bool get_count(reader *r, size_t min, uint64_t *v) {
  if (!get_varint(r, v)) return false;
  if (*v > left(r) / min) return bad(r, "count larger than the input"), false;
  return true;
}
static bool get_f64(reader *r, double *d) {
  if (left(r) < 8) return bad(r, "unexpected end"), false;
  uint64_t u = 0;
  for (int i = 0; i < 8; i++) u |= (uint64_t)r->p[r->pos + i] << (8 * i);
  r->pos += 8;
  memcpy(d, &u, 8);
  return true;
}
static JSStringRef get_jsstring(reader *r) {
  uint64_t h;
  if (!get_varint(r, &h)) return NULL;
  bool latin1 = h & 1;
  uint64_t n = h >> 1;
  if (n > left(r) / (latin1 ? 1 : 2)) return bad(r, "string longer than the input"), NULL;
  JSChar *u = malloc((n ? n : 1) * sizeof *u);
  if (!u) {
    r->h.err = DW_E_NOMEM;
    r->h.exc = dw__make_error(r->h.c, "RangeError", "out of memory");
    return bad(r, "out of memory"), NULL;
  }
  const unsigned char *p = r->p + r->pos;
  for (size_t i = 0; i < n; i++)
    u[i] = latin1 ? p[i] : (JSChar)(p[2 * i] | (p[2 * i + 1] << 8));
  r->pos += latin1 ? n : 2 * n;
  JSStringRef s = JSStringCreateWithCharacters(u, n);
  free(u);
  return s;
}
static JSValueRef get_string_value(reader *r) {
  JSStringRef s = get_jsstring(r);
  if (!s) return NULL;
  JSValueRef v = JSValueMakeString(r->h.c->ctx, s);
  JSStringRelease(s);
  return v;
}
static JSValueRef get_bigint(reader *r) {
  size_t at0 = r->pos;
  JSStringRef s = get_jsstring(r);
  if (!s) return NULL;
  size_t n = JSStringGetLength(s);
  const JSChar *u = JSStringGetCharactersPtr(s);
  bool ok = n > 0 && n <= 100000;
  for (size_t i = 0; i < n && ok; i++)
    ok = (u[i] >= '0' && u[i] <= '9') || (i == 0 && u[i] == '-' && n > 1);
  JSValueRef e = NULL;
  JSValueRef v = ok ? JSBigIntCreateWithString(r->h.c->ctx, s, &e) : NULL;
  JSStringRelease(s);
  if (!v) {
    r->pos = at0;
    return bad(r, "bad bigint");
  }
  return v;
}

/* Reserves the next object id; fills it later with memo_set. */
static bool memo_reserve(reader *r, size_t *id) {
  if (r->nmemo == r->capmemo) {
    size_t nc = r->capmemo ? r->capmemo * 2 : 64;
    JSValueRef *m = realloc(r->memo, nc * sizeof *m);
    if (!m) {
      r->h.err = DW_E_NOMEM;
      r->h.exc = dw__make_error(r->h.c, "RangeError", "out of memory");
      return bad(r, "out of memory"), false;
    }
    r->memo = m;
    r->capmemo = nc;
  }
  *id = r->nmemo;
  r->memo[r->nmemo++] = NULL;
  return true;
}
static void memo_set(reader *r, size_t id, JSValueRef o) {
  JSValueProtect(r->h.c->ctx, o);
  r->memo[id] = o;
}
static bool memo_push(reader *r, JSValueRef o) {
  size_t id;
  if (!memo_reserve(r, &id)) return false;
  memo_set(r, id, o);
  return true;
}

static bool dest_open(reader *r) {
  if (r->h.dfns) return true;
  dw_val exc = NULL;
  dw__ctx *c = r->h.c;
  dw_val a = dw__eval(c, dest_src, sizeof dest_src - 1, NULL, 1, &exc);
  if (!a || !dw__is_object(c, a)) {
    r->h.err = DW_E_BAD_REQUEST;
    r->h.exc = exc;
    return bad(r, "destination realm unusable"), false;
  }
  r->h.dfns = O(a);
  JSValueProtect(c->ctx, V(a));
  for (int i = 0; i < D_N; i++) r->h.d[i] = O(JSObjectGetPropertyAtIndex(c->ctx, O(a), (unsigned)i, NULL));
  return true;
}
/* Calls a destination constructor; exceptions become DataCloneErrors. */
static JSValueRef dcall(reader *r, int which, size_t argc, const JSValueRef *argv, const char *what) {
  if (!dest_open(r)) return NULL;
  JSValueRef e = NULL;
  JSValueRef v = JSObjectCallAsFunction(r->h.c->ctx, r->h.d[which], NULL, argc, argv, &e);
  if (!v || !JSValueIsObject(r->h.c->ctx, v)) {
    if (!e) r->h.err = DW_E_BAD_REQUEST; /* terminated */
    return bad(r, what);
  }
  return v;
}

static JSValueRef read_value(reader *r, int depth);

/* Reads `count` key/value pairs (keys strings when `string_keys`) into a helper array. */
/* A scratch array of the private realm (no setters on its indices). */
static JSObjectRef scratch(reader *r) {
  int rc = helper_open(&r->h);
  if (rc) {
    r->h.err = rc;
    r->h.exc = dw__make_error(r->h.c, "RangeError", "out of memory");
    return NULL;
  }
  return JSObjectMakeArray(r->h.p, 0, NULL, NULL);
}

static JSObjectRef read_pairs(reader *r, uint64_t count, bool string_keys, int depth) {
  JSObjectRef a = scratch(r);
  if (!a) return bad(r, "out of memory"), NULL;
  for (uint64_t i = 0; i < count; i++) {
    JSValueRef k = string_keys ? get_string_value(r) : read_value(r, depth + 1);
    if (!k) return NULL;
    JSObjectSetPropertyAtIndex(r->h.p, a, (unsigned)(2 * i), k, NULL);
    JSValueRef v = read_value(r, depth + 1);
    if (!v) return NULL;
    JSObjectSetPropertyAtIndex(r->h.p, a, (unsigned)(2 * i + 1), v, NULL);
  }
  return a;
}

static bool hcall2(reader *r, int fn, JSValueRef a0, JSValueRef a1, const char *what) {
  JSValueRef args[2] = {a0, a1};
  if (hcall(&r->h, fn, 2, args)) return true;
  if (r->h.exc && !r->failed) {
    /* An exception from the helper on data we built: report it as malformed input. */
    r->h.exc = NULL;
    r->h.err = 0;
  }
  return bad(r, what), false;
}

/* Sets a non-enumerable property through the destination realm (the object came from the
 * destination's Error constructor, which guest code may have replaced). */
static bool set_hidden(reader *r, JSObjectRef o, const char *key, JSValueRef v) {
  JSStringRef k = JSStringCreateWithUTF8CString(key);
  JSValueRef e = NULL;
  JSObjectSetProperty(r->h.c->ctx, o, k, v, kJSPropertyAttributeDontEnum, &e);
  JSStringRelease(k);
  return !e;
}

static size_t elem_size(unsigned t) {
  switch (t) {
  case kJSTypedArrayTypeInt8Array: case kJSTypedArrayTypeUint8Array:
  case kJSTypedArrayTypeUint8ClampedArray: return 1;
  case kJSTypedArrayTypeInt16Array: case kJSTypedArrayTypeUint16Array: return 2;
  case kJSTypedArrayTypeInt32Array: case kJSTypedArrayTypeUint32Array:
  case kJSTypedArrayTypeFloat32Array: return 4;
  case kJSTypedArrayTypeFloat64Array: case kJSTypedArrayTypeBigInt64Array:
  case kJSTypedArrayTypeBigUint64Array: return 8;
  case VIEW_DATAVIEW: return 1;
  default: return 0;
  }
}


static JSValueRef read_object(reader *r, unsigned tag, int depth) {
  dw__ctx *c = r->h.c;
  JSContextRef ctx = c->ctx;
  JSValueRef e = NULL;
  switch (tag) {
  case T_CAP: {
    uint64_t slot;
    if (!get_varint(r, &slot)) return NULL;
    if (slot > INT32_MAX || !r->caps || !r->caps->cap_decode) return bad(r, "unexpected capability");
    dw_val exc = NULL;
    dw_val o = r->caps->cap_decode(r->caps->user, c, (int32_t)slot, &exc);
    if (!o) {
      r->h.err = DW_E_BAD_REQUEST;
      r->h.exc = exc ? exc : clone_error(c, "capability %d could not be decoded", (int)slot);
      return bad(r, "capability");
    }
    return memo_push(r, V(o)) ? V(o) : NULL;
  }
  case T_OBJ:
  case T_ARR: {
    uint64_t len = 0, count;
    if (tag == T_ARR && !get_varint(r, &len)) return NULL;
    if (len > UINT32_MAX) return bad(r, "array length too large");
    JSObjectRef o = tag == T_ARR ? JSObjectMakeArray(ctx, 0, NULL, NULL) : JSObjectMake(ctx, NULL, NULL);
    if (!o || !memo_push(r, o)) return bad(r, "out of memory");
    if (tag == T_ARR) {
      JSStringRef k = JSStringCreateWithUTF8CString("length");
      JSObjectSetProperty(ctx, o, k, JSValueMakeNumber(ctx, (double)len), kJSPropertyAttributeDontEnum, NULL);
      JSStringRelease(k);
    }
    if (!get_count(r, 2, &count)) return NULL;
    JSObjectRef flat = read_pairs(r, count, true, depth);
    if (!flat || !hcall2(r, H_DEFS, o, flat, "bad property")) return NULL;
    return o;
  }
  case T_BOOLOBJ:
  case T_NUMOBJ:
  case T_STROBJ:
  case T_BIGOBJ: {
    JSValueRef prim = NULL;
    unsigned b;
    double d;
    if (tag == T_BOOLOBJ) prim = get_u8(r, &b) ? JSValueMakeBoolean(ctx, b != 0) : NULL;
    else if (tag == T_NUMOBJ) prim = get_f64(r, &d) ? JSValueMakeNumber(ctx, d) : NULL;
    else if (tag == T_STROBJ) prim = get_string_value(r);
    else prim = get_bigint(r);
    if (!prim) return NULL;
    JSObjectRef o = JSValueToObject(ctx, prim, NULL);
    if (!o || !memo_push(r, o)) return bad(r, "wrapper");
    return o;
  }
  case T_DATE: {
    double d;
    if (!get_f64(r, &d)) return NULL;
    JSValueRef arg = JSValueMakeNumber(ctx, d);
    JSObjectRef o = JSObjectMakeDate(ctx, 1, &arg, &e);
    if (!o || !memo_push(r, o)) return bad(r, "bad Date");
    return o;
  }
  case T_REGEXP: {
    JSValueRef args[2];
    if (!(args[0] = get_string_value(r)) || !(args[1] = get_string_value(r))) return NULL;
    JSObjectRef o = JSObjectMakeRegExp(ctx, 2, args, &e);
    if (!o || !memo_push(r, o)) return bad(r, "bad RegExp");
    return o;
  }
  case T_ABUF: {
    uint64_t n;
    if (!get_count(r, 1, &n)) return NULL;
    JSObjectRef o = dw__engine_array_buffer(ctx, r->p + r->pos, (size_t)n, &e);
    if (!o) return bad(r, "ArrayBuffer");
    r->pos += n;
    return memo_push(r, o) ? o : NULL;
  }
  case T_VIEW: {
    unsigned type;
    size_t id;
    uint64_t off, len;
    if (!get_u8(r, &type)) return NULL;
    size_t es = elem_size(type);
    if (!es) return bad(r, "unknown view type");
    if (!memo_reserve(r, &id)) return NULL;
    JSValueRef buf = read_value(r, depth + 1);
    if (!buf) return NULL;
    if (!JSValueIsObject(ctx, buf) ||
        JSValueGetTypedArrayType(ctx, buf, NULL) != kJSTypedArrayTypeArrayBuffer)
      return bad(r, "view of something else than an ArrayBuffer");
    if (!get_varint(r, &off) || !get_varint(r, &len)) return NULL;
    uint64_t blen = JSObjectGetArrayBufferByteLength(ctx, O(buf), NULL);
    if (off > blen || off % es || len > (blen - off) / es) return bad(r, "view out of its buffer");
    JSObjectRef o;
    if (type == VIEW_DATAVIEW) {
      JSValueRef args[3] = {buf, JSValueMakeNumber(ctx, (double)off), JSValueMakeNumber(ctx, (double)len)};
      JSValueRef v = dcall(r, D_DV, 3, args, "DataView");
      o = v ? O(v) : NULL;
    } else {
      o = JSObjectMakeTypedArrayWithArrayBufferAndOffset(ctx, (JSTypedArrayType)type, O(buf),
                                                         (size_t)off, (size_t)len, &e);
      if (!o) bad(r, "typed array");
    }
    if (!o) return NULL;
    memo_set(r, id, o);
    return o;
  }
  case T_MAP:
  case T_SET: {
    JSValueRef o = dcall(r, tag == T_MAP ? D_MAP : D_SET, 0, NULL, "Map/Set");
    if (!o || !memo_push(r, o)) return NULL;
    uint64_t count;
    if (!get_count(r, tag == T_MAP ? 2 : 1, &count)) return NULL;
    JSObjectRef a;
    if (tag == T_MAP) {
      a = read_pairs(r, count, false, depth);
    } else {
      a = scratch(r);
      for (uint64_t i = 0; a && i < count; i++) {
        JSValueRef v = read_value(r, depth + 1);
        if (!v) return NULL;
        JSObjectSetPropertyAtIndex(r->h.p, a, (unsigned)i, v, NULL);
      }
    }
    if (!a || !hcall2(r, tag == T_MAP ? H_MSET : H_SADD, o, a, "Map/Set entries")) return NULL;
    return o;
  }
  case T_ERROR: {
    unsigned kind, flags;
    JSValueRef msg = JSValueMakeUndefined(ctx), stack = NULL;
    if (!get_u8(r, &kind) || !get_u8(r, &flags)) return NULL;
    if (kind >= ERROR_KINDS || flags > 7) return bad(r, "bad Error");
    if ((flags & 1) && !(msg = get_string_value(r))) return NULL;
    if ((flags & 2) && !(stack = get_string_value(r))) return NULL;
    JSValueRef args[2] = {JSValueMakeNumber(ctx, kind), msg};
    JSValueRef o = dcall(r, D_ERR, 2, args, "Error");
    if (!o || !memo_push(r, o)) return NULL;
    if (stack && !set_hidden(r, O(o), "stack", stack)) return bad(r, "Error stack");
    if (flags & 4) {
      JSValueRef cause = read_value(r, depth + 1);
      if (!cause) return NULL;
      if (!set_hidden(r, O(o), "cause", cause)) return bad(r, "Error cause");
    }
    return o;
  }
  }
  return bad(r, "unknown tag");
}

static JSValueRef read_value(reader *r, int depth) {
  JSContextRef ctx = r->h.c->ctx;
  unsigned tag;
  if (r->failed || !get_u8(r, &tag)) return NULL;
  switch (tag) {
  case T_UNDEF: return JSValueMakeUndefined(ctx);
  case T_NULL: return JSValueMakeNull(ctx);
  case T_TRUE: return JSValueMakeBoolean(ctx, true);
  case T_FALSE: return JSValueMakeBoolean(ctx, false);
  case T_NUM: {
    double d;
    return get_f64(r, &d) ? JSValueMakeNumber(ctx, d) : NULL;
  }
  case T_STR: return get_string_value(r);
  case T_BIGINT: return get_bigint(r);
  case T_REF: {
    uint64_t id;
    if (!get_varint(r, &id)) return NULL;
    if (id >= r->nmemo || !r->memo[id]) return bad(r, "bad back-reference");
    return r->memo[id];
  }
  }
  if (depth >= DW__CLONE_MAX_DEPTH) return bad(r, "nested too deep");
  JSValueRef v = read_object(r, tag, depth);
  if (!v) bad(r, "invalid object");
  return v;
}

dw_val dw__clone_read(dw__ctx *c, const void *bytes, size_t n, const dw__clone_caps *caps,
                      dw_val *exc) {
  reader r;
  memset(&r, 0, sizeof r);
  r.caps = caps;
  r.p = bytes;
  r.n = n;
  *exc = NULL;
  JSValueRef v = NULL;
  helper_init(&r.h, c);
  {
    unsigned version;
    if (get_u8(&r, &version) && version != DW__CLONE_VERSION) bad(&r, "unknown version");
    if (!r.failed) v = read_value(&r, 0);
    if (v && r.pos != r.n) v = bad(&r, "trailing bytes");
    if (!v) *exc = r.h.exc ? r.h.exc : clone_error(c, "clone data could not be read");
  }
  for (size_t i = 0; i < r.nmemo; i++)
    if (r.memo[i]) JSValueUnprotect(c->ctx, r.memo[i]);
  free(r.memo);
  helper_close(&r.h);
  return W(v);
}
