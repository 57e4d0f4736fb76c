/* The zlib operations behind CompressionStream/DecompressionStream (js/compression.js).
 * Memory: one z_stream per handle (freed by dw__webapi_zlib_end or the handle's finalizer),
 * and at most DW__ZLIB_SLICE bytes of output per call, whatever the input: a decompression
 * bomb costs C memory of one slice at a time; its output goes to the guest's heap. */
#ifndef DW_WEBAPI_COMPRESS_H
#define DW_WEBAPI_COMPRESS_H

#include "engine/engine.h"

#define DW__ZLIB_SLICE (64 * 1024)

/* A new handle for `format` (0 deflate, 1 deflate-raw, 2 gzip), compressing unless
 * `decompress`. Returns NULL with *exc set on a bad format or out of memory. */
dw_val dw__webapi_zlib_new(dw__ctx *c, double format, bool decompress, dw_val *exc);
/* Feeds `input` (an ArrayBuffer or view; undefined: none) and returns an ArrayBuffer of at
 * most DW__ZLIB_SLICE output bytes. `finish`: no more input will come (compression then
 * flushes). Writes to `state` (a Float64Array of length >= 2): [0] input bytes consumed,
 * [1] 1 once the stream ended. Call again with the rest of the input until it is consumed
 * (and, when finishing, until the stream ended). Throws a TypeError on corrupt input. */
dw_val dw__webapi_zlib_push(dw__ctx *c, dw_val h, dw_val input, bool finish, dw_val state,
                            dw_val *exc);
/* Frees a handle's zlib state now (later calls throw). */
void dw__webapi_zlib_end(dw__ctx *c, dw_val h);

#endif
