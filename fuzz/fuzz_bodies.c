/* libFuzzer target for what a guest can hand the body parsers: the first byte picks
 *   0: FormData parsing of a multipart/form-data body (boundary "b"),
 *   1: FormData parsing of an application/x-www-form-urlencoded body,
 *   2: multipart with the boundary taken from the input (up to the first '\n'),
 *   3: zlib decompression through the C op of DecompressionStream (src/webapi/compress.c),
 *      format from the second byte, input fed in pieces the way compression.js feeds it.
 * The JS parsers may only throw TypeError or RangeError; the C op must consume its input,
 * never return more than DW__ZLIB_SLICE bytes per call, and stop. Seeds: fuzz/corpus/bodies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine.h"
#include "webapi/compress.h"
#include "webapi/webapi.h"

static dw__vm *vm;
static dw__ctx *ctx;
static dw_val parse_fn, state;
static const dw__webapi_host host = {0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup(void) {
  dw__engine_init();
  vm = dw__vm_new(false);
  ctx = dw__ctx_new(vm, false);
  dw_val exc = NULL;
  dw_val load = ctx ? dw__webapi_install(ctx, &host, &exc) : NULL;
  if (!load) abort();
  dw__protect(ctx, load);
  const char *src = "(function (load) { const F = load('%formdata');"
                    " return (ab, type) => F.parse(new Uint8Array(ab), type); })";
  dw_val mk = dw__eval(ctx, src, strlen(src), "fuzz.js", 1, &exc);
  if (!mk) abort();
  parse_fn = dw__call(ctx, mk, NULL, 1, &load, &exc);
  if (!parse_fn) abort();
  dw__protect(ctx, parse_fn);
  const char *st = "new Float64Array(2)";
  state = dw__eval(ctx, st, strlen(st), "fuzz.js", 1, &exc);
  if (!state) abort();
  dw__protect(ctx, state);
}

static void parse(const uint8_t *body, size_t n, const char *type, size_t type_len) {
  dw_val exc = NULL;
  dw_val argv[2] = {dw__array_buffer(ctx, body, n, &exc), dw__string(ctx, type, type_len)};
  if (!argv[0]) abort();
  if (dw__call(ctx, parse_fn, NULL, 2, argv, &exc)) return;
  dw__exc_info e;
  dw__exc_describe(ctx, exc, &e);
  bool expected = !strcmp(e.name, "TypeError") || !strcmp(e.name, "RangeError");
  dw__exc_info_free(&e);
  if (!expected) abort();
}

static void inflate_all(const uint8_t *in, size_t n, int format) {
  dw_val exc = NULL;
  dw_val h = dw__webapi_zlib_new(ctx, format, true, &exc);
  if (!h) abort();
  size_t at = 0, calls = 0;
  while (calls++ < 100000) {
    size_t piece = n - at < 7 ? n - at : 7 + (at % 13); /* odd-sized pieces */
    if (piece > n - at) piece = n - at;
    dw_val input = piece ? dw__array_buffer(ctx, in + at, piece, &exc) : dw__undefined(ctx);
    exc = NULL;
    dw_val out = dw__webapi_zlib_push(ctx, h, input, at + piece == n, state, &exc);
    if (!out) break; /* corrupt data: a TypeError */
    size_t len = 0, slen = 0;
    dw__bytes(ctx, out, &len);
    double *st = dw__bytes(ctx, state, &slen);
    if (len > DW__ZLIB_SLICE || st[0] < 0 || st[0] > (double)piece) abort();
    at += (size_t)st[0];
    if (st[1] == 1) break;
    if (len == 0 && st[0] == 0) break; /* needs more input than there is */
  }
  dw__webapi_zlib_end(ctx, h);
  exc = NULL;
  if (dw__webapi_zlib_push(ctx, h, dw__undefined(ctx), true, state, &exc) || !exc) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!vm) setup();
  if (size < 2) return 0;
  const uint8_t *body = data + 1;
  size_t n = size - 1;
  switch (data[0] % 4) {
  case 0: {
    static const char t[] = "multipart/form-data; boundary=b";
    parse(body, n, t, sizeof t - 1);
    break;
  }
  case 1: {
    static const char t[] = "application/x-www-form-urlencoded";
    parse(body, n, t, sizeof t - 1);
    break;
  }
  case 2: {
    const uint8_t *nl = memchr(body, '\n', n < 80 ? n : 80);
    if (!nl) return 0;
    char t[128];
    int len = snprintf(t, sizeof t, "multipart/form-data; boundary=%.*s", (int)(nl - body), body);
    parse(nl + 1, n - (size_t)(nl + 1 - body), t, (size_t)len);
    break;
  }
  default:
    inflate_all(body + 1, n - 1, body[0] % 3);
    break;
  }
  return 0;
}
