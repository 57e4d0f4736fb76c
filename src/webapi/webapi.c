/* The lazy installer of the Web APIs and the few natives their factories use. The JS side
 * (js/bootstrap.js) receives one native dispatcher and wraps it in closures; the factories
 * (js/<file>.js) only ever see those closures. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "webapi/subtle.h"
#include "webapi/webapi.h"
#include "webapi/compress.h"

/* The one table of API factories: file (js/<file>.js, embedded as dw__webapi_js_<file>) and
 * the names it provides. Names holding ':' or starting with '%' are not globals (modules
 * and internal helpers, reachable only through load()). The JS installer gets the names as
 * one string built from this table at compile time. */
#define DW__WEBAPI_FACTORIES(X)                                                              \
  X(inspect, "%inspect")                                                                   \
  X(console, "console")                                                                    \
  X(timers, "queueMicrotask setTimeout clearTimeout setInterval clearInterval")            \
  X(domexception, "DOMException")                                                          \
  X(clone, "structuredClone")                                                              \
  X(encoding, "TextEncoder TextDecoder")                                                   \
  X(base64, "atob btoa")                                                                   \
  X(crypto, "crypto Crypto")                                                               \
  X(subtle, "SubtleCrypto CryptoKey %subtle")                                              \
  X(fetch, "Headers Request Response")                                                     \
  X(url, "URL URLSearchParams")                                                            \
  X(events, "Event CustomEvent EventTarget AbortController AbortSignal %events")           \
  X(blob, "Blob File %blob")                                                               \
  X(formdata, "FormData %formdata")                                                        \
  X(streams, "ReadableStream ReadableStreamDefaultReader ReadableStreamBYOBReader "          \
             "ReadableStreamDefaultController ReadableByteStreamController "               \
             "ReadableStreamBYOBRequest ByteLengthQueuingStrategy CountQueuingStrategy "   \
             "%streams")                                                                   \
  X(writable, "WritableStream WritableStreamDefaultWriter WritableStreamDefaultController " \
              "%writable")                                                                 \
  X(transform, "TransformStream TransformStreamDefaultController TextEncoderStream "       \
               "TextDecoderStream IdentityTransformStream FixedLengthStream %transform")   \
  X(compression, "CompressionStream DecompressionStream")                                  \
  X(platform, "navigator performance")                                                     \
  X(workers, "cloudflare:workers")

#define DECLARE(file, names)                                                                 \
  extern const unsigned short dw__webapi_js_##file##_u16[];                                \
  extern const size_t dw__webapi_js_##file##_u16_len;
DW__WEBAPI_FACTORIES(DECLARE)
DECLARE(bootstrap, "")
#undef DECLARE

typedef struct {
  const char *file;
  const unsigned short *src; /* UTF-16, static: evaluated in place (dw__eval_static) */
  const size_t *len;
} factory;

static const factory factories[] = {
#define ROW(file, names) {#file, dw__webapi_js_##file##_u16, &dw__webapi_js_##file##_u16_len},
    DW__WEBAPI_FACTORIES(ROW)
#undef ROW
};

/* "name name | name | ..." : a "|" token separates factories, in table order (one split on
 * spaces in js/bootstrap.js). */
static const char spec[] =
#define SPEC(file, names) names " | "
    DW__WEBAPI_FACTORIES(SPEC)
#undef SPEC
    ;

/* Operations of the native dispatcher; the same numbers are in js/bootstrap.js. */
enum {
  OP_FACTORY = 0,   /* (i) -> the factory function of factories[i] */
  OP_LOG = 1,       /* (level, msg) */
  OP_TIMER_SET = 2, /* (fn, ms, repeat) -> id */
  OP_TIMER_CLEAR = 3,
  OP_RANDOM = 4,      /* (integer typed array of <= 65536 bytes) */
  OP_NOW = 5,         /* () -> monotonic ms, microsecond precision */
  OP_UTF8_ENCODE = 6, /* (string) -> ArrayBuffer of its UTF-8 */
  OP_UTF8_DECODE = 7, /* (view) -> string, or undefined when not valid UTF-8 */
  OP_ZLIB_NEW = 8,    /* (format, decompress) -> handle (compress.h) */
  OP_ZLIB_PUSH = 9,   /* (handle, input, finish, state) -> ArrayBuffer */
  OP_ZLIB_END = 10,   /* (handle) */
  OP_SUBTLE = 11,     /* (name, args...) -> see dw__subtle_op (subtle.h) */
  OP_COUNT
};

#define RANDOM_MAX 65536

static const char *const levels[] = {"log", "info", "warn", "error", "debug"};

static const char truncated_marker[] = "\xE2\x80\xA6 [truncated]";

static dw_val type_error(dw__ctx *c, dw_val *exc, const char *msg) {
  *exc = dw__make_error(c, "TypeError", msg);
  return NULL;
}

static dw_val op_factory(dw__ctx *c, const dw__webapi_host *h, double i, dw_val *exc) {
  if (!(i >= 0 && i < (double)DW_ARRAY_LEN(factories))) return type_error(c, exc, "bad factory");
  const factory *f = &factories[(size_t)i];
  if (h->on_factory) h->on_factory(h->user, f->file);
  char url[64];
  snprintf(url, sizeof url, "dw:webapi/%s.js", f->file);
  return dw__eval_static(c, f->src, *f->len, url, 1, exc);
}

/* Delivers one console line, cut at DW_WEBAPI_LOG_MAX bytes on a character boundary. */
static dw_val op_log(dw__ctx *c, const dw__webapi_host *h, dw_val level, dw_val msg,
                     dw_val *exc) {
  if (!dw__is_string(c, level) || !dw__is_string(c, msg)) return type_error(c, exc, "bad log");
  char *lv = dw__to_utf8(c, level, NULL, exc);
  if (!lv) return NULL;
  const char *which = NULL;
  for (size_t i = 0; i < DW_ARRAY_LEN(levels); i++)
    if (!strcmp(lv, levels[i])) which = levels[i];
  free(lv);
  if (!which) return type_error(c, exc, "bad log level");
  size_t n = 0;
  char *s = dw__to_utf8(c, msg, &n, exc);
  if (!s) {
    if (!*exc) *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  if (n > DW_WEBAPI_LOG_MAX) {
    size_t keep = DW_WEBAPI_LOG_MAX - (sizeof truncated_marker - 1);
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80) keep--;
    memcpy(s + keep, truncated_marker, sizeof truncated_marker); /* fits: n > keep + marker */
    n = keep + sizeof truncated_marker - 1;
  }
  if (h->log) h->log(h->user, which, s, n);
  free(s);
  return NULL;
}

/* Fills the bytes of an integer typed array from getrandom(2) (the JS side checked the
 * type and the 65536-byte quota; the size is checked again here). */
static dw_val op_random(dw__ctx *c, dw_val view, dw_val *exc) {
  size_t n = 0;
  unsigned char *p = dw__bytes(c, view, &n);
  if (!p && n) return type_error(c, exc, "getRandomValues: not a typed array");
  if (n > RANDOM_MAX) {
    *exc = dw__make_error(c, "RangeError", "getRandomValues: more than 65536 bytes");
    return NULL;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t r = getrandom(p + done, n - done, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      *exc = dw__make_error(c, "Error", "getRandomValues: no entropy source");
      return NULL;
    }
    done += (size_t)r;
  }
  return view;
}

static dw_val op_utf8_encode(dw__ctx *c, dw_val s, dw_val *exc) {
  if (!dw__is_string(c, s)) return type_error(c, exc, "encode: not a string");
  size_t n = 0;
  char *u = dw__to_utf8(c, s, &n, exc);
  if (!u) {
    if (!*exc) *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  dw_val ab = dw__array_buffer(c, u, n, exc);
  free(u);
  return ab;
}

static dw_val op_utf8_decode(dw__ctx *c, dw_val view, dw_val *exc) {
  size_t n = 0;
  const char *p = dw__bytes(c, view, &n);
  if (!p && n) return type_error(c, exc, "decode: not a buffer");
  if (!p) return dw__string(c, "", 0);
  if (!dw__utf8_valid(p, n)) return dw__undefined(c);
  return dw__string(c, p, n);
}

static double now_ms(void) { return (double)(dw__now_ns() / 1000) / 1000.0; }

/* The one native of a realm: argv[0] is the operation. Reachable only from the closures
 * that js/bootstrap.js builds around it. */
static dw_val dispatch(dw__ctx *c, void *data, size_t argc, const dw_val *argv, dw_val *exc) {
  const dw__webapi_host *h = data;
  dw_val a[5];
  for (size_t i = 0; i < DW_ARRAY_LEN(a); i++) a[i] = i < argc ? argv[i] : dw__undefined(c);
  double op = dw__is_number(c, a[0]) ? dw__to_number(c, a[0]) : -1;
  if (!(op >= 0 && op < OP_COUNT)) return type_error(c, exc, "bad operation");
  switch ((int)op) {
  case OP_FACTORY:
    return op_factory(c, h, dw__to_number(c, a[1]), exc);
  case OP_LOG:
    return op_log(c, h, a[1], a[2], exc);
  case OP_TIMER_SET: {
    if (!dw__is_function(c, a[1])) return type_error(c, exc, "timer callback is not a function");
    if (!h->timer_set) {
      *exc = dw__make_error(c, "Error", "timers are not available");
      return NULL;
    }
    double id = h->timer_set(h->user, c, a[1], dw__to_number(c, a[2]), dw__to_bool(c, a[3]), exc);
    return *exc ? NULL : dw__number(c, id);
  }
  case OP_TIMER_CLEAR:
    if (h->timer_clear && dw__is_number(c, a[1])) h->timer_clear(h->user, c, dw__to_number(c, a[1]));
    return NULL;
  case OP_RANDOM:
    return op_random(c, a[1], exc);
  case OP_NOW:
    return dw__number(c, now_ms());
  case OP_UTF8_ENCODE:
    return op_utf8_encode(c, a[1], exc);
  case OP_UTF8_DECODE:
    return op_utf8_decode(c, a[1], exc);
  case OP_ZLIB_NEW:
    return dw__webapi_zlib_new(c, dw__to_number(c, a[1]), dw__to_bool(c, a[2]), exc);
  case OP_ZLIB_PUSH:
    return dw__webapi_zlib_push(c, a[1], a[2], dw__to_bool(c, a[3]), a[4], exc);
  case OP_ZLIB_END:
    dw__webapi_zlib_end(c, a[1]);
    return NULL;
  case OP_SUBTLE:
    return dw__subtle_op(c, argc - 1, argv + 1, exc);
  default:
    return type_error(c, exc, "bad operation");
  }
}

/* The global names of `spec` (not the internal '%...' ones, module names 'a:b' or the '|'
 * separators), as an array of the realm: splitting and filtering them in each realm's JS,
 * which runs cold there, cost ~0.1M instructions per realm (callgrind: split is JS in the
 * engine, linked and run cold in each realm), ~5% of a hello sandbox; here, with the
 * strings made once per VM (dw__string_static), a few thousand. */
#define MAX_GLOBALS 128
static dw_val global_names(dw__ctx *c, dw_val *exc) {
  dw_val names[MAX_GLOBALS];
  size_t n = 0;
  for (const char *p = spec; *p;) {
    while (*p == ' ') p++;
    size_t len = strcspn(p, " ");
    if (len >= 2 && p[0] != '%' && !memchr(p, ':', len)) {
      if (n == MAX_GLOBALS) DW_BUG("more Web API globals than MAX_GLOBALS");
      names[n++] = dw__string_static(c, p, len);
    }
    p += len;
  }
  return dw__array(c, n, names, exc);
}

dw_val dw__webapi_install(dw__ctx *c, const dw__webapi_host *host, dw_val *exc) {
  dw_val boot = dw__eval_static(c, dw__webapi_js_bootstrap_u16, dw__webapi_js_bootstrap_u16_len,
                                "dw:webapi/bootstrap.js", 1, exc);
  if (!boot) return NULL;
  dw_val native = dw__native(c, "webapi", dispatch, (void *)host);
  if (!native) {
    *exc = dw__make_error(c, "RangeError", "out of memory");
    return NULL;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  double origin = (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000) / 1000.0;
  dw_val globals = global_names(c, exc);
  if (!globals) return NULL;
  dw_val argv[] = {native, globals, dw__string_static(c, spec, sizeof spec - 1), dw__number(c, now_ms()),
                   dw__number(c, origin)};
  return dw__call(c, boot, NULL, DW_ARRAY_LEN(argv), argv, exc);
}
