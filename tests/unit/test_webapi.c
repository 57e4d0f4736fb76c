/* Unit tests of src/webapi: laziness, isolation of natives, the console line cap, cold-start
 * cost, and the JS suites in tests/webapi/<suite>.js (each prints PASS/FAIL lines through
 * console.log and "DONE n" at the end; a FAIL, a missing PASS or a missing DONE fails). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <string.h>
#include "webapi/webapi.h"

#ifndef DW_WEBAPI_TEST_DIR
#define DW_WEBAPI_TEST_DIR "tests/webapi"
#endif

/* ---- A test host: records log lines, runs timers on a virtual clock -------------------- */

#define MAX_LINES 20000
#define MAX_TIMERS 1000

typedef struct {
  char level[8];
  char *msg;
  size_t len;
} line;

typedef struct {
  double id;
  dw_val fn;
  double due, ms;
  bool repeat, active;
} timer;

typedef struct {
  dw__vm *vm;
  dw__ctx *c;
  dw_val load;
  dw__webapi_host host;
  line *lines;
  size_t nlines, taken; /* lines[taken..] not yet returned by __logs() */
  timer timers[MAX_TIMERS];
  size_t ntimers;
  double next_id, now;
  int factories;
  char last_factory[32];
  char loaded[512]; /* " name name ..." of the factories evaluated, in order */
} fixture;

static void host_log(void *user, const char *level, const char *msg, size_t len) {
  fixture *f = user;
  if (f->nlines >= MAX_LINES) return;
  line *l = &f->lines[f->nlines++];
  snprintf(l->level, sizeof l->level, "%s", level);
  l->msg = dw__strndup(msg, len);
  l->len = len;
  if (getenv("DW_TEST_VERBOSE")) fprintf(stderr, "[%s] %.*s\n", level, (int)len, msg);
}

static double host_timer_set(void *user, dw__ctx *c, dw_val fn, double ms, bool repeat,
                             dw_val *exc) {
  fixture *f = user;
  size_t live = 0;
  for (size_t i = 0; i < f->ntimers; i++) live += f->timers[i].active;
  if (live >= 100 || f->ntimers >= MAX_TIMERS) {
    *exc = dw__make_error(c, "RangeError", "too many timers");
    return 0;
  }
  timer *t = &f->timers[f->ntimers++];
  dw__protect(c, fn);
  *t = (timer){.id = ++f->next_id, .fn = fn, .due = f->now + ms, .ms = ms, .repeat = repeat,
               .active = true};
  return t->id;
}

static void timer_stop(fixture *f, timer *t) {
  if (!t->active) return;
  t->active = false;
  dw__unprotect(f->c, t->fn);
}

static void host_timer_clear(void *user, dw__ctx *c, double id) {
  fixture *f = user;
  for (size_t i = 0; i < f->ntimers; i++)
    if (f->timers[i].id == id) timer_stop(f, &f->timers[i]);
}

static void host_on_factory(void *user, const char *name) {
  fixture *f = user;
  f->factories++;
  snprintf(f->last_factory, sizeof f->last_factory, "%s", name);
  size_t n = strlen(f->loaded);
  snprintf(f->loaded + n, sizeof f->loaded - n, " %s", name);
}

static void fail_exc(fixture *f, dw_val exc, const char *what) {
  dw__exc_info e;
  dw__exc_describe(f->c, exc, &e);
  print_error("%s: %s: %s\n%s\n", what, e.name, e.message, e.stack);
  dw__exc_info_free(&e);
  fail();
}

static fixture *fixture_new(void) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->lines = calloc(MAX_LINES, sizeof *f->lines);
  assert_non_null(f->lines);
  f->host = (dw__webapi_host){.user = f, .log = host_log, .timer_set = host_timer_set,
                              .timer_clear = host_timer_clear, .on_factory = host_on_factory};
  f->vm = dw__vm_new(false);
  assert_non_null(f->vm);
  f->c = dw__ctx_new(f->vm, false);
  assert_non_null(f->c);
  dw_val exc = NULL;
  f->load = dw__webapi_install(f->c, &f->host, &exc);
  if (!f->load) fail_exc(f, exc, "install");
  dw__protect(f->c, f->load);
  return f;
}

static void fixture_free(fixture *f) {
  for (size_t i = 0; i < f->ntimers; i++) timer_stop(f, &f->timers[i]);
  dw__unprotect(f->c, f->load);
  dw__ctx_free(f->c);
  dw__vm_free(f->vm);
  for (size_t i = 0; i < f->nlines; i++) free(f->lines[i].msg);
  free(f->lines);
  free(f);
}

/* Evaluates `src`; fails the test on an exception. */
static dw_val eval_ok(fixture *f, const char *src) {
  dw_val exc = NULL;
  dw_val r = dw__eval(f->c, src, strlen(src), "test.js", 1, &exc);
  if (!r) fail_exc(f, exc, src);
  return r;
}

static bool eval_true(fixture *f, const char *src) { return dw__to_bool(f->c, eval_ok(f, src)); }

static dw_val call_load(fixture *f, const char *name, dw_val *exc) {
  dw_val arg = dw__string(f->c, name, strlen(name));
  return dw__call(f->c, f->load, NULL, 1, &arg, exc);
}

/* Runs due timers in order of their virtual due time (at most `max` callbacks). */
static void run_timers(fixture *f, int max) {
  for (int n = 0; n < max; n++) {
    timer *next = NULL;
    for (size_t i = 0; i < f->ntimers; i++) {
      timer *t = &f->timers[i];
      if (t->active && (!next || t->due < next->due)) next = t;
    }
    if (!next) return;
    f->now = next->due;
    dw_val fn = next->fn;
    dw__protect(f->c, fn);
    if (next->repeat) next->due += next->ms > 1 ? next->ms : 1;
    else timer_stop(f, next);
    dw_val exc = NULL;
    if (!dw__call(f->c, fn, NULL, 0, NULL, &exc)) {
      dw__exc_info e;
      dw__exc_describe(f->c, exc, &e);
      char msg[512];
      int len = snprintf(msg, sizeof msg, "FAIL uncaught in timer: %s: %s", e.name, e.message);
      host_log(f, "error", msg, (size_t)len);
      dw__exc_info_free(&e);
    }
    dw__unprotect(f->c, fn);
  }
}

/* ---- Laziness and isolation -------------------------------------------------------------- */

static const char *const globals[] = {"console", "queueMicrotask", "setTimeout", "clearTimeout",
  "setInterval", "clearInterval", "DOMException", "structuredClone", "TextEncoder",
  "TextDecoder", "atob", "btoa", "crypto", "Crypto", "SubtleCrypto", "CryptoKey", "Headers", "Request", "Response",
  "navigator", "performance", "URL", "URLSearchParams", "Event", "CustomEvent", "EventTarget",
  "AbortController", "AbortSignal", "Blob", "File", "FormData", "ReadableStream",
  "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamDefaultController",
  "ReadableByteStreamController", "ReadableStreamBYOBRequest", "ByteLengthQueuingStrategy",
  "CountQueuingStrategy", "WritableStream", "WritableStreamDefaultWriter",
  "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController",
  "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
  "IdentityTransformStream", "FixedLengthStream"};

static void test_lazy_until_first_touch(void **state) {
  fixture *f = fixture_new();
  assert_int_equal(f->factories, 0);
  /* Present, but as non-enumerable accessors that nothing has read yet. */
  char src[512];
  for (size_t i = 0; i < DW_ARRAY_LEN(globals); i++) {
    snprintf(src, sizeof src,
             "(() => { const d = Object.getOwnPropertyDescriptor(globalThis, '%s');"
             " return !!d && typeof d.get === 'function' && !d.enumerable && d.configurable"
             " && '%s' in globalThis; })()",
             globals[i], globals[i]);
    if (!eval_true(f, src)) fail_msg("%s is not a lazy accessor", globals[i]);
  }
  assert_true(eval_true(f, "!Object.keys(globalThis).some((k) => ['console', 'Request', "
                           "'TextEncoder', 'setTimeout', 'crypto', 'self'].includes(k))"));
  assert_true(eval_true(f, "self === globalThis"));
  assert_int_equal(f->factories, 0);
  /* First touch evaluates one factory, shared by related names. */
  assert_true(eval_true(f, "typeof TextEncoder === 'function'"));
  assert_int_equal(f->factories, 1);
  assert_string_equal(f->last_factory, "encoding");
  assert_true(eval_true(f, "typeof TextDecoder === 'function' && TextEncoder === TextEncoder"));
  assert_int_equal(f->factories, 1);
  /* Now a plain data property: writable, configurable, not enumerable. */
  assert_true(eval_true(f, "(() => { const d = Object.getOwnPropertyDescriptor(globalThis, "
                           "'TextEncoder'); return 'value' in d && d.writable && d.configurable "
                           "&& !d.enumerable; })()"));
  /* Headers needs encoding (already loaded) only: fetch is one more factory. */
  assert_true(eval_true(f, "typeof Headers === 'function'"));
  assert_int_equal(f->factories, 2);
  assert_string_equal(f->last_factory, "fetch");
  /* Events come in one factory that needs nothing else until an abort makes a DOMException. */
  assert_true(eval_true(f, "typeof AbortController === 'function' && new EventTarget() instanceof "
                           "EventTarget && new CustomEvent('x').type === 'x'"));
  assert_int_equal(f->factories, 3);
  assert_string_equal(f->last_factory, "events");
  assert_true(eval_true(f, "!('%events' in globalThis)"));
  /* Blob does not load FormData; FormData needs Blob (already loaded). */
  assert_true(eval_true(f, "new Blob(['x']).size === 1"));
  assert_int_equal(f->factories, 4);
  assert_string_equal(f->last_factory, "blob");
  assert_true(eval_true(f, "new FormData().has('x') === false"));
  assert_int_equal(f->factories, 5);
  assert_string_equal(f->last_factory, "formdata");
  /* A ReadableStream alone does not load the writable side; pipeTo does. */
  assert_true(eval_true(f, "globalThis.__rs = new ReadableStream(); !__rs.locked"));
  assert_int_equal(f->factories, 6);
  assert_string_equal(f->last_factory, "streams");
  assert_true(eval_true(f, "__rs.pipeTo(new WritableStream()) instanceof Promise"));
  assert_int_equal(f->factories, 7);
  assert_string_equal(f->last_factory, "writable");
  assert_true(eval_true(f, "typeof new TransformStream().readable === 'object'"));
  assert_int_equal(f->factories, 8);
  assert_string_equal(f->last_factory, "transform");
  assert_true(eval_true(f, "!('%streams' in globalThis) && !('%writable' in globalThis)"));
  assert_true(eval_true(f, "new CompressionStream('gzip') instanceof CompressionStream"));
  assert_int_equal(f->factories, 9);
  assert_string_equal(f->last_factory, "compression");
  fixture_free(f);
}

/* A worker that answers with a plain Response never parses streams, Blob or FormData. */
static void test_plain_response_stays_lazy(void **state) {
  fixture *f = fixture_new();
  eval_ok(f, "new Response('x', { headers: { a: 'b' } }).arrayBuffer();"
             "new Response(new Uint8Array(2)).clone().text(); new Response(null).bodyUsed;"
             "new Request(new Request('http://x/', { method: 'POST', body: 'b' })).clone().text();");
  assert_int_equal(f->factories, 3); /* fetch, url for Request, encoding for text() */
  eval_ok(f, "new Response('y').body");
  assert_int_equal(f->factories, 4);
  assert_string_equal(f->last_factory, "streams");
  fixture_free(f);
}

/* crypto.getRandomValues/randomUUID never load crypto.subtle (the larger factory): only the
 * first read of crypto.subtle (or of SubtleCrypto/CryptoKey) does. */
static void test_subtle_lazy(void **state) {
  fixture *f = fixture_new();
  assert_true(eval_true(f, "crypto.getRandomValues(new Uint8Array(8)).length === 8 && "
                           "crypto.randomUUID().length === 36 && typeof Crypto === 'function'"));
  assert_string_equal(f->loaded, " crypto domexception"); /* and DOMException it needs */
  assert_true(eval_true(f, "typeof crypto.subtle.digest === 'function'"));
  assert_string_equal(f->loaded, " crypto domexception subtle");
  assert_true(eval_true(f, "crypto.subtle === crypto.subtle && crypto.subtle instanceof "
                           "SubtleCrypto && typeof CryptoKey === 'function'"));
  assert_int_equal(f->factories, 3);
  fixture_free(f);
  /* The other way round: the SubtleCrypto global first. */
  f = fixture_new();
  assert_true(eval_true(f, "typeof SubtleCrypto === 'function'"));
  assert_string_equal(f->loaded, " subtle domexception");
  assert_true(eval_true(f, "crypto.subtle instanceof SubtleCrypto"));
  assert_string_equal(f->loaded, " subtle domexception crypto");
  fixture_free(f);
}

static void test_overwrite_before_use(void **state) {
  fixture *f = fixture_new();
  assert_true(eval_true(f, "globalThis.Request = 42; Request === 42"));
  assert_true(eval_true(f, "(() => { const d = Object.getOwnPropertyDescriptor(globalThis, "
                           "'Request'); return d.value === 42 && d.writable && !d.enumerable; })()"));
  assert_true(eval_true(f, "delete globalThis.Response && !('Response' in globalThis)"));
  assert_int_equal(f->factories, 0);
  dw_val exc = NULL;
  dw_val req = call_load(f, "Request", &exc);
  if (!req) fail_exc(f, exc, "load(Request)");
  assert_true(dw__is_function(f->c, req));
  assert_true(eval_true(f, "Request === 42"));
  dw_val name = dw__get(f->c, req, "name", NULL);
  char *s = dw__to_utf8(f->c, name, NULL, NULL);
  assert_string_equal(s, "Request");
  free(s);
  /* load() returns the very object the getter returns. */
  dw_val h = call_load(f, "Headers", &exc);
  dw__set(f->c, dw__global(f->c), "__h", h, NULL);
  assert_true(eval_true(f, "__h === Headers"));
  /* cloudflare:workers is frozen and not a global. */
  dw_val ns = call_load(f, "cloudflare:workers", &exc);
  if (!ns) fail_exc(f, exc, "load(cloudflare:workers)");
  dw__set(f->c, dw__global(f->c), "__ns", ns, NULL);
  assert_true(eval_true(f, "Object.isFrozen(__ns) && typeof __ns.WorkerEntrypoint === 'function'"
                           " && typeof __ns.RpcTarget === 'function' && typeof __ns.DurableObject"
                           " === 'function' && typeof __ns.WorkflowEntrypoint === 'function'"
                           " && !('cloudflare:workers' in globalThis)"));
  assert_true(eval_true(f, "(() => { const e = new __ns.WorkerEntrypoint(1, 2);"
                           " return e.ctx === 1 && e.env === 2; })()"));
  exc = NULL;
  assert_null(call_load(f, "NoSuchApi", &exc));
  assert_non_null(exc);
  assert_true(eval_true(f, "!('%inspect' in globalThis)"));
  fixture_free(f);
}

static dw_val test_native(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  return NULL;
}

/* Walks everything reachable from the global object (and the load() results) through
 * properties, accessors and prototypes, and reports objects that are natives (their
 * prototype is the prototype of natives). The same walker must flag a planted native. */
static const char walker[] =
    "(function (nativeProto, extra) {"
    "  const seen = new Set(); const stack = [globalThis, ...extra]; const found = [];"
    "  const fnToString = Function.prototype.toString;"
    "  while (stack.length) {"
    "    const o = stack.pop();"
    "    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;"
    "    seen.add(o);"
    "    const proto = Object.getPrototypeOf(o);"
    "    if (proto === nativeProto) { found.push(o); continue; }"
    "    if (typeof o === 'function') { try { fnToString.call(o); } catch { found.push(o); } }"
    "    stack.push(proto);"
    "    for (const k of Reflect.ownKeys(o)) {"
    "      const d = Reflect.getOwnPropertyDescriptor(o, k);"
    "      if (!d) continue;"
    "      if ('value' in d) stack.push(d.value); else { stack.push(d.get); stack.push(d.set); }"
    "    }"
    "  }"
    "  return found.length;"
    "})";

static void test_no_host_object_reachable(void **state) {
  fixture *f = fixture_new();
  /* Touch every lazy global and use the APIs that call natives. */
  eval_ok(f, "for (const k of ['console','queueMicrotask','setTimeout','clearTimeout',"
             "'setInterval','clearInterval','DOMException','structuredClone','TextEncoder',"
             "'TextDecoder','atob','btoa','crypto','Crypto','Headers','Request','Response',"
             "'navigator','performance','URL','URLSearchParams','SubtleCrypto','CryptoKey','Event','CustomEvent',"
             "'EventTarget','AbortController','AbortSignal','Blob','File','FormData',"
             "'ReadableStream','WritableStream','TransformStream','TextEncoderStream',"
             "'TextDecoderStream','CountQueuingStrategy','ByteLengthQueuingStrategy',"
             "'ReadableStreamBYOBReader','ReadableByteStreamController'])"
             " globalThis[k];"
             "new Blob(['x']).stream().pipeThrough(new TextDecoderStream()).pipeTo("
             "new WritableStream({ start(c) { c.signal; } }));"
             "ReadableStream.from([1])[Symbol.asyncIterator]();"
             "new Blob(['x']).stream().pipeThrough(new CompressionStream('gzip'))"
             ".pipeThrough(new DecompressionStream('gzip')).getReader().read();"
             "new AbortController().abort(); AbortSignal.timeout(5);"
             "new URL('http://x/?a').searchParams.append('b', 'c');"
             "crypto.subtle.digest('SHA-256', new Uint8Array(1));"
             "crypto.subtle.generateKey('Ed25519', false, ['sign']).then((p) => "
             "globalThis.__keys = p);"
             "console.log('x'); crypto.getRandomValues(new Uint8Array(4)); performance.now();"
             "new TextDecoder().decode(new TextEncoder().encode('x'));"
             "clearTimeout(setTimeout(() => {}, 1));");
  dw_val probe = dw__native(f->c, "probe", test_native, NULL);
  dw__set(f->c, dw__global(f->c), "__probe", probe, NULL);
  dw_val native_proto = eval_ok(f, "const __p = Object.getPrototypeOf(__probe); delete "
                                   "globalThis.__probe; __p");
  dw_val exc = NULL;
  dw_val ns = call_load(f, "cloudflare:workers", &exc);
  dw_val ins = call_load(f, "%inspect", &exc);
  assert_non_null(ns);
  assert_non_null(ins);
  dw__set(f->c, dw__global(f->c), "__extra", eval_ok(f, "[]"), NULL);
  dw_val extra = dw__get(f->c, dw__global(f->c), "__extra", NULL);
  dw__set(f->c, extra, "0", ns, NULL);
  dw__set(f->c, extra, "1", ins, NULL);
  dw__delete(f->c, dw__global(f->c), "__extra");
  dw_val walk = eval_ok(f, walker);
  dw_val argv[2] = {native_proto, extra};
  dw_val n = dw__call(f->c, walk, NULL, 2, argv, &exc);
  if (!n) fail_exc(f, exc, "walk");
  assert_int_equal((int)dw__to_number(f->c, n), 0);
  /* The walker can fail: plant a native and it must be found. */
  dw__set(f->c, extra, "2", probe, NULL);
  n = dw__call(f->c, walk, NULL, 2, argv, &exc);
  assert_int_equal((int)dw__to_number(f->c, n), 1);
  fixture_free(f);
}

/* ---- Console line cap --------------------------------------------------------------------- */

static void test_log_cap(void **state) {
  fixture *f = fixture_new();
  eval_ok(f, "console.log('\\u00e9'.repeat(100000))");
  assert_int_equal(f->nlines, 1);
  line *l = &f->lines[0];
  assert_true(l->len <= DW_WEBAPI_LOG_MAX);
  assert_true(l->len > DW_WEBAPI_LOG_MAX - 64);
  const char *marker = "\xE2\x80\xA6 [truncated]";
  assert_memory_equal(l->msg + l->len - strlen(marker), marker, strlen(marker));
  assert_true(dw__utf8_valid(l->msg, l->len));
  assert_string_equal(l->level, "log");
  /* A hostile value does not make console throw. */
  eval_ok(f, "console.log(new Proxy({}, { ownKeys() { throw 1; }, getPrototypeOf() { throw 2; }"
             " }), { get a() { throw 3; } }, { toString() { throw 4; } });"
             "console.log('%s', { toString() { throw 5; } });"
             "const r = Proxy.revocable({}, {}); r.revoke(); console.log(r.proxy);"
             "console.error(Object.create(null)); console.warn(Symbol('s'));");
  assert_int_equal(f->nlines, 6);
  assert_string_equal(f->lines[4].level, "error");
  assert_string_equal(f->lines[5].level, "warn");
  fixture_free(f);
}

/* ---- Cold start ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void test_install_cost(void **state) {
  fixture *f = fixture_new(); /* warms the engine up */
  enum { N = 200 };
  double t[N];
  for (int i = 0; i < N; i++) {
    dw__ctx *c = dw__ctx_new(f->vm, false);
    uint64_t t0 = dw__now_ns();
    dw_val exc = NULL;
    dw_val load = dw__webapi_install(c, &f->host, &exc);
    t[i] = (double)(dw__now_ns() - t0) / 1e6;
    assert_non_null(load);
    dw__ctx_free(c);
  }
  qsort(t, N, sizeof t[0], cmp_double);
  fprintf(stderr, "webapi install: median %.3f ms, p90 %.3f ms\n", t[N / 2], t[N * 9 / 10]);
  assert_int_equal(f->factories, 0);
  /* No timing assertion here (machines are noisy): bench/coldstart measures the cost. */
  fixture_free(f);
}

/* ---- JS suites ---------------------------------------------------------------------------- */

/* __logs(): the console lines since the last call, as [[level, message], ...]. Test-only. */
static dw_val native_logs(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  fixture *f = data;
  dw_buf b;
  dw__buf_init(&b, 64 * 1024 * 1024);
  dw__buf_putc(&b, '[');
  for (size_t i = f->taken; i < f->nlines; i++) {
    if (i > f->taken) dw__buf_putc(&b, ',');
    dw__buf_putc(&b, '[');
    dw__buf_json_str(&b, f->lines[i].level, strlen(f->lines[i].level));
    dw__buf_putc(&b, ',');
    dw__buf_json_str(&b, f->lines[i].msg, f->lines[i].len);
    dw__buf_putc(&b, ']');
  }
  dw__buf_putc(&b, ']');
  f->taken = f->nlines;
  size_t n = 0;
  char *s = dw__buf_steal(&b, &n);
  dw_val r = dw__json_parse(c, s, n);
  free(s);
  return r;
}

static char *read_text(const char *path) {
  char *s = NULL;
  size_t n = 0;
  if (dw__read_file(path, 4 * 1024 * 1024, &s, &n)) fail_msg("cannot read %s", path);
  return s;
}

/* __readTestFile(rel): the text of DW_WEBAPI_TEST_DIR/rel (letters, digits, '_', '-', '/',
 * and '.' not starting a component; at most 4 MiB), for data-driven suites. Test-only. */
static dw_val native_read_test_file(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                                    dw_val *exc) {
  (void)data;
  char *rel = argc ? dw__to_utf8(c, argv[0], NULL, exc) : NULL;
  if (!rel) return NULL;
  bool ok = rel[0] != '\0';
  for (size_t i = 0; rel[i]; i++) {
    char ch = rel[i];
    ok &= (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-' || ch == '/' || (ch == '.' && i > 0 && rel[i - 1] != '/');
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", DW_WEBAPI_TEST_DIR, rel);
  free(rel);
  char *s = NULL;
  size_t n = 0;
  if (!ok || dw__read_file(path, 4 * 1024 * 1024, &s, &n)) {
    *exc = dw__make_error(c, "Error", "__readTestFile: cannot read the file");
    return NULL;
  }
  dw_val r = dw__string(c, s, n);
  free(s);
  return r;
}

static void run_suite(const char *name) {
  fixture *f = fixture_new();
  dw_val logs = dw__native(f->c, "__logs", native_logs, f);
  dw__define_hidden(f->c, dw__global(f->c), "__logs", logs, NULL);
  dw_val rd = dw__native(f->c, "__readTestFile", native_read_test_file, NULL);
  dw__define_hidden(f->c, dw__global(f->c), "__readTestFile", rd, NULL);
  char path[1024];
  snprintf(path, sizeof path, "%s/harness.js", DW_WEBAPI_TEST_DIR);
  char *harness = read_text(path);
  dw_val exc = NULL;
  if (!dw__eval(f->c, harness, strlen(harness), "harness.js", 1, &exc)) fail_exc(f, exc, "harness");
  free(harness);
  /* wpt-*.js suites are written against WPT's testharness.js API: add its shim. */
  if (!strncmp(name, "wpt-", 4)) {
    snprintf(path, sizeof path, "%s/wpt/testharness.js", DW_WEBAPI_TEST_DIR);
    char *shim = read_text(path);
    if (!dw__eval(f->c, shim, strlen(shim), "testharness.js", 1, &exc)) fail_exc(f, exc, "shim");
    free(shim);
  }
  snprintf(path, sizeof path, "%s/%s", DW_WEBAPI_TEST_DIR, name);
  char *src = read_text(path);
  if (!dw__eval(f->c, src, strlen(src), name, 1, &exc)) fail_exc(f, exc, name);
  free(src);
  eval_ok(f, "__run()");
  run_timers(f, 10000);
  int pass = 0, failed = 0, done = -1;
  for (size_t i = 0; i < f->nlines; i++) {
    const char *m = f->lines[i].msg;
    if (!strncmp(m, "PASS ", 5)) pass++;
    else if (!strncmp(m, "FAIL ", 5)) {
      failed++;
      print_error("%s: %s\n", name, m);
    } else if (!strncmp(m, "DONE ", 5)) {
      done = atoi(m + 5);
    }
  }
  fprintf(stderr, "%s: %d passed, %d failed, %d planned\n", name, pass, failed, done);
  fixture_free(f);
  if (done < 0) fail_msg("%s: no DONE line (a test never finished)", name);
  if (failed || pass != done || done == 0) fail_msg("%s: %d failed, %d of %d passed", name, failed, pass, done);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_js_suites(void **state) {
  DIR *d = opendir(DW_WEBAPI_TEST_DIR);
  assert_non_null(d);
  char *names[64];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < DW_ARRAY_LEN(names)) {
    size_t len = strlen(e->d_name);
    if (len > 3 && !strcmp(e->d_name + len - 3, ".js") && strcmp(e->d_name, "harness.js"))
      names[n++] = dw__strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp_str);
  assert_true(n >= 8);
  const char *only = getenv("DW_WEBAPI_SUITE");
  for (size_t i = 0; i < n; i++) {
    if (!only || strstr(names[i], only)) run_suite(names[i]);
    free(names[i]);
  }
}

int main(void) {
  dw__engine_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lazy_until_first_touch),
      cmocka_unit_test(test_subtle_lazy),
      cmocka_unit_test(test_overwrite_before_use),
      cmocka_unit_test(test_plain_response_stays_lazy),
      cmocka_unit_test(test_no_host_object_reachable),
      cmocka_unit_test(test_log_cap),
      cmocka_unit_test(test_install_cost),
      cmocka_unit_test(test_js_suites),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
