/* zlib for the compression streams: deflate (RFC 1950), deflate-raw (RFC 1951) and gzip
 * (RFC 1952), through opaque handles that only js/compression.js holds. */
#include <limits.h>
#include <string.h>
#include <zlib.h>
#include "webapi/compress.h"

typedef struct {
  z_stream z;
  bool decompress;
} zs;

static void zs_free(void *data) {
  zs *s = data;
  if (s->decompress) inflateEnd(&s->z);
  else deflateEnd(&s->z);
  free(s);
}

dw_val dw__webapi_zlib_new(dw__ctx *c, double format, bool decompress, dw_val *exc) {
  static const int window_bits[] = {15, -15, 15 + 16};
  if (!(format >= 0 && format <= 2)) {
    *exc = dw__make_error(c, "TypeError", "unsupported compression format");
    return NULL;
  }
  int bits = window_bits[(int)format];
  zs *s = calloc(1, sizeof *s);
  if (!s) goto oom;
  s->decompress = decompress;
  int r = decompress ? inflateInit2(&s->z, bits)
                     : deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8,
                                    Z_DEFAULT_STRATEGY);
  if (r != Z_OK) {
    free(s);
    goto oom;
  }
  dw_val h = dw__handle_new(c, s, zs_free);
  if (!h) {
    zs_free(s);
    goto oom;
  }
  return h;
oom:
  *exc = dw__make_error(c, "RangeError", "out of memory for a compression stream");
  return NULL;
}

dw_val dw__webapi_zlib_push(dw__ctx *c, dw_val h, dw_val input, bool finish, dw_val state,
                            dw_val *exc) {
  dw_val out = NULL;
  unsigned char *buf = NULL;
  zs *s = dw__handle_data(c, h);
  size_t slen = 0;
  double *st = dw__bytes(c, state, &slen);
  if (!s || !st || slen < 2 * sizeof(double)) {
    *exc = dw__make_error(c, "TypeError", "the compression stream is closed");
    goto out;
  }
  size_t n = 0;
  unsigned char *in = dw__is_undefined(c, input) ? NULL : dw__bytes(c, input, &n);
  if (n > UINT_MAX) n = UINT_MAX; /* the rest is passed again by the caller */
  buf = malloc(DW__ZLIB_SLICE);
  if (!buf) {
    *exc = dw__make_error(c, "RangeError", "out of memory for a compression stream");
    goto out;
  }
  s->z.next_in = n ? in : (unsigned char *)"";
  s->z.avail_in = (uInt)n;
  s->z.next_out = buf;
  s->z.avail_out = DW__ZLIB_SLICE;
  int r = s->decompress ? inflate(&s->z, Z_NO_FLUSH) : deflate(&s->z, finish ? Z_FINISH : Z_NO_FLUSH);
  if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
    *exc = dw__make_error(c, "TypeError", s->decompress ? "The compressed data is invalid"
                                                        : "compression failed");
    goto out;
  }
  /* st is borrowed from a Float64Array: still valid, no JS ran since dw__bytes. */
  st[0] = (double)(n - s->z.avail_in);
  st[1] = r == Z_STREAM_END ? 1 : 0;
  out = dw__array_buffer(c, buf, DW__ZLIB_SLICE - s->z.avail_out, exc);
out:
  free(buf);
  return out;
}

void dw__webapi_zlib_end(dw__ctx *c, dw_val h) {
  void *s = dw__handle_take(c, h);
  if (s) zs_free(s);
}
