/* The scan of a WebAssembly binary for shared memories. A shared memory is a SharedArrayBuffer
 * (a high-resolution clock with a second agent, and a blocking memory.atomic.wait in code the
 * watchdog cannot stop); the realm has neither by design, so a module that declares or
 * imports one is refused before the engine compiles it. The bytes are the guest's: every read
 * is bounded by the section it is in, and whatever is not understood is refused. */
#include "modules/wasm.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Section ids (core spec 5.5.2) and import kinds (5.5.5) that matter here. */
#define SEC_IMPORT 2
#define SEC_MEMORY 5
#define KIND_FUNC 0x00
#define KIND_TABLE 0x01
#define KIND_MEMORY 0x02
#define KIND_GLOBAL 0x03
#define KIND_TAG 0x04
/* Limits flags: 0x01 has a maximum, 0x02 shared (threads), 0x04 64-bit (memory64), 0x08 a
 * custom page size follows (custom-page-sizes). Anything else is unknown. */
#define LIM_MAX 0x01
#define LIM_SHARED 0x02
#define LIM_64 0x04
#define LIM_PAGE 0x08

typedef struct {
  const uint8_t *p;
  size_t off, end; /* reads stay in [off, end) */
  const char *err; /* the first failure; every read after it fails */
  size_t err_at;
  char *why;
  size_t why_len;
} reader;

static bool fail(reader *r, const char *what) {
  if (!r->err) {
    r->err = what;
    r->err_at = r->off;
  }
  return false;
}

static bool byte(reader *r, uint8_t *out) {
  if (r->err) return false;
  if (r->off >= r->end) return fail(r, "unexpected end");
  *out = r->p[r->off++];
  return true;
}

/* An unsigned LEB128 of at most `bits` bits (32 or 64), as the spec bounds it: at most
 * ceil(bits/7) bytes, and the unused bits of the last byte zero. */
static bool leb_u(reader *r, unsigned bits, uint64_t *out) {
  uint64_t v = 0;
  unsigned max_bytes = (bits + 6) / 7;
  for (unsigned i = 0; i < max_bytes; i++) {
    uint8_t b;
    if (!byte(r, &b)) return false;
    unsigned shift = 7 * i;
    if (i == max_bytes - 1) {
      unsigned used = bits - shift; /* bits left for this byte */
      if ((b & 0x80) || (used < 7 && (b >> used))) return fail(r, "LEB128 integer too long");
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return fail(r, "LEB128 integer too long");
}

static bool u32(reader *r, uint32_t *out) {
  uint64_t v;
  if (!leb_u(r, 32, &v)) return false;
  *out = (uint32_t)v;
  return true;
}

/* A signed LEB128 of at most 33 bits (a heap type): only skipped. */
static bool skip_s33(reader *r) {
  for (unsigned i = 0; i < 5; i++) {
    uint8_t b;
    if (!byte(r, &b)) return false;
    if (!(b & 0x80)) return true;
  }
  return fail(r, "LEB128 integer too long");
}

static bool skip(reader *r, size_t n) {
  if (r->err) return false;
  if (n > r->end - r->off) return fail(r, "length past the end of its section");
  r->off += n;
  return true;
}

static bool skip_name(reader *r) {
  uint32_t n;
  return u32(r, &n) && skip(r, n);
}

/* A value or reference type: one byte, or (ref null? ht) = 0x63/0x64 and a heap type. */
static bool skip_valtype(reader *r) {
  uint8_t t;
  if (!byte(r, &t)) return false;
  if (t == 0x63 || t == 0x64) return skip_s33(r);
  if (t < 0x40 || t > 0x7f) return fail(r, "unknown value type");
  return true;
}

/* Limits; *shared says whether the shared flag is set. */
static bool limits(reader *r, bool *shared) {
  uint8_t flags;
  uint64_t v;
  if (!byte(r, &flags)) return false;
  if (flags & ~(LIM_MAX | LIM_SHARED | LIM_64 | LIM_PAGE)) return fail(r, "unknown limits flags");
  *shared = (flags & LIM_SHARED) != 0;
  unsigned bits = (flags & LIM_64) ? 64 : 32;
  if (!leb_u(r, bits, &v)) return false;
  if ((flags & LIM_MAX) && !leb_u(r, bits, &v)) return false;
  if ((flags & LIM_PAGE) && !leb_u(r, 32, &v)) return false;
  return true;
}

static void say(reader *r, const char *fmt, ...) {
  if (!r->why || !r->why_len) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->why, r->why_len, fmt, ap);
  va_end(ap);
}

#define SHARED_MSG "shared memory is not available in this sandbox"

/* The import section: a vector of (module name, field name, kind, description). */
static dw__wasm_verdict imports(reader *r) {
  uint32_t n;
  if (!u32(r, &n)) return DW__WASM_MALFORMED;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t kind, b;
    uint32_t idx;
    bool shared = false;
    if (!skip_name(r) || !skip_name(r) || !byte(r, &kind)) return DW__WASM_MALFORMED;
    switch (kind) {
    case KIND_FUNC:
      if (!u32(r, &idx)) return DW__WASM_MALFORMED;
      break;
    case KIND_TABLE:
      if (!skip_valtype(r) || !limits(r, &shared)) return DW__WASM_MALFORMED;
      if (shared) {
        say(r, SHARED_MSG " (the module imports a shared table: import %u)", i);
        return DW__WASM_SHARED;
      }
      break;
    case KIND_MEMORY:
      if (!limits(r, &shared)) return DW__WASM_MALFORMED;
      if (shared) {
        say(r, SHARED_MSG " (the module imports a shared memory: import %u)", i);
        return DW__WASM_SHARED;
      }
      break;
    case KIND_GLOBAL:
      if (!skip_valtype(r) || !byte(r, &b)) return DW__WASM_MALFORMED;
      if (b > 1) {
        fail(r, "unknown global mutability");
        return DW__WASM_MALFORMED;
      }
      break;
    case KIND_TAG:
      if (!byte(r, &b) || !u32(r, &idx)) return DW__WASM_MALFORMED;
      if (b != 0) {
        fail(r, "unknown tag attribute");
        return DW__WASM_MALFORMED;
      }
      break;
    default:
      fail(r, "unknown import kind");
      return DW__WASM_MALFORMED;
    }
  }
  return DW__WASM_OK;
}

/* The memory section: a vector of limits. */
static dw__wasm_verdict memories(reader *r) {
  uint32_t n;
  if (!u32(r, &n)) return DW__WASM_MALFORMED;
  for (uint32_t i = 0; i < n; i++) {
    bool shared = false;
    if (!limits(r, &shared)) return DW__WASM_MALFORMED;
    if (shared) {
      say(r, SHARED_MSG " (the module declares a shared memory: memory %u)", i);
      return DW__WASM_SHARED;
    }
  }
  return DW__WASM_OK;
}

dw__wasm_verdict dw__wasm_scan(const void *bytes, size_t n, char *why, size_t why_len) {
  static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  reader r = {.p = bytes, .off = 0, .end = n, .why = why, .why_len = why_len};
  dw__wasm_verdict v = DW__WASM_OK;
  if (why && why_len) why[0] = '\0';
  if (!bytes || n < sizeof header || memcmp(bytes, header, sizeof header)) {
    say(&r, "not a WebAssembly module of version 1 (wrong magic number or version)");
    return DW__WASM_MALFORMED;
  }
  r.off = sizeof header;
  while (v == DW__WASM_OK && r.off < n) {
    uint8_t id;
    uint32_t size;
    r.end = n;
    if (!byte(&r, &id) || !u32(&r, &size)) {
      v = DW__WASM_MALFORMED;
      break;
    }
    if (size > n - r.off) {
      fail(&r, "section size past the end of the module");
      v = DW__WASM_MALFORMED;
      break;
    }
    size_t next = r.off + size;
    r.end = next; /* a section's entries never read past the section */
    if (id == SEC_IMPORT) v = imports(&r);
    else if (id == SEC_MEMORY) v = memories(&r);
    else r.off = next;
    if (v == DW__WASM_OK && r.off != next) {
      fail(&r, "section size does not match its contents");
      v = DW__WASM_MALFORMED;
    }
    r.off = next;
  }
  if (v == DW__WASM_MALFORMED && (!why || !why[0]))
    say(&r, "the WebAssembly module cannot be checked: %s at byte %zu",
        r.err ? r.err : "malformed", r.err_at);
  return v;
}
