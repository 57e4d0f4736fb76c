/* Unit tests of src/modules/wasm.c: the scan of WebAssembly binaries for shared memories, on
 * hand-made module bytes (shared memory declared, imported, not shared, malformed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "modules/wasm.h"

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static dw__wasm_verdict scan(const uint8_t *b, size_t n, char *why, size_t why_len) {
  return dw__wasm_scan(b, n, why, why_len);
}
#define SCAN(arr) scan(arr, sizeof arr, why, sizeof why)

static void test_ok(void **state) {
  (void)state;
  char why[200];
  static const uint8_t header[] = {HDR};
  assert_int_equal(SCAN(header), DW__WASM_OK);
  /* memory 1..; memory 1..2 */
  static const uint8_t mem[] = {HDR, 0x05, 0x03, 0x01, 0x00, 0x01};
  assert_int_equal(SCAN(mem), DW__WASM_OK);
  static const uint8_t mem_max[] = {HDR, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02};
  assert_int_equal(SCAN(mem_max), DW__WASM_OK);
  /* type section (skipped), then imports: func, table funcref, global (mut i32), memory (not
   * shared), a (ref null 0) global, a tag; then a non-shared memory of its own. */
  static const uint8_t imports[] = {
      HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,      /* type 0: [] -> [] */
      0x02, 0x2d, 0x06,                             /* 6 imports, 45 bytes */
      0x01, 'a', 0x01, 'f', 0x00, 0x00,             /* func type 0 */
      0x01, 'a', 0x01, 't', 0x01, 0x70, 0x00, 0x01, /* table funcref 1.. */
      0x01, 'a', 0x01, 'g', 0x03, 0x7f, 0x01,       /* global mut i32 */
      0x01, 'a', 0x01, 'm', 0x02, 0x01, 0x01, 0x01, /* memory 1..1, not shared */
      0x01, 'a', 0x01, 'r', 0x03, 0x63, 0x00, 0x00, /* global (ref null 0) */
      0x01, 'a', 0x01, 'e', 0x04, 0x00, 0x00,       /* tag type 0 */
      0x05, 0x03, 0x01, 0x00, 0x01};
  assert_int_equal(SCAN(imports), DW__WASM_OK);
  /* A custom section whose bytes look like a shared memory is skipped. */
  static const uint8_t custom[] = {HDR, 0x00, 0x06, 0x01, 'x', 0x01, 0x03, 0x01, 0x01};
  assert_int_equal(SCAN(custom), DW__WASM_OK);
  /* A 32-bit LEB128 in five bytes (the longest allowed) and a memory64 maximum. */
  static const uint8_t long_leb[] = {HDR, 0x05, 0x83, 0x80, 0x80, 0x80, 0x00, 0x01, 0x00, 0x01};
  assert_int_equal(SCAN(long_leb), DW__WASM_OK);
  static const uint8_t mem64[] = {HDR, 0x05, 0x04, 0x01, 0x05, 0x01, 0x02};
  assert_int_equal(SCAN(mem64), DW__WASM_OK);
}

static void test_shared_declared(void **state) {
  (void)state;
  char why[200];
  static const uint8_t shared[] = {HDR, 0x05, 0x04, 0x01, 0x03, 0x01, 0x01};
  assert_int_equal(SCAN(shared), DW__WASM_SHARED);
  assert_non_null(strstr(why, "shared memory is not available in this sandbox"));
  assert_non_null(strstr(why, "declares"));
  /* memory64, shared */
  static const uint8_t shared64[] = {HDR, 0x05, 0x04, 0x01, 0x07, 0x01, 0x01};
  assert_int_equal(SCAN(shared64), DW__WASM_SHARED);
  /* the second of two memories (multi-memory) */
  static const uint8_t second[] = {HDR, 0x05, 0x06, 0x02, 0x00, 0x01, 0x03, 0x01, 0x01};
  assert_int_equal(SCAN(second), DW__WASM_SHARED);
  assert_non_null(strstr(why, "memory 1"));
  /* shared without a maximum (invalid for the engine, refused here all the same) */
  static const uint8_t nomax[] = {HDR, 0x05, 0x03, 0x01, 0x02, 0x01};
  assert_int_equal(SCAN(nomax), DW__WASM_SHARED);
}

static const uint8_t shared_import[] = {HDR, 0x02, 0x0b, 0x01, 0x03, 'e', 'n', 'v',
                                        0x01, 'm', 0x02, 0x03, 0x01, 0x01};

static void test_shared_imported(void **state) {
  (void)state;
  char why[200];
  assert_int_equal(SCAN(shared_import), DW__WASM_SHARED);
  assert_non_null(strstr(why, "imports a shared memory"));
  /* after a function import, and a shared table */
  static const uint8_t after_func[] = {HDR, 0x02, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0x02, 0x07, 0x01, 0x01};
  assert_int_equal(SCAN(after_func), DW__WASM_SHARED);
  static const uint8_t table[] = {HDR, 0x02, 0x08, 0x01, 0x00, 0x00, 0x01, 0x70, 0x03, 0x01, 0x01};
  assert_int_equal(SCAN(table), DW__WASM_SHARED);
  /* No message buffer: the verdict alone. */
  assert_int_equal(dw__wasm_scan(shared_import, sizeof shared_import, NULL, 0), DW__WASM_SHARED);
}

static void test_malformed(void **state) {
  (void)state;
  char why[200];
  assert_int_equal(dw__wasm_scan(NULL, 0, why, sizeof why), DW__WASM_MALFORMED);
  static const uint8_t magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
  assert_int_equal(SCAN(magic), DW__WASM_MALFORMED);
  assert_non_null(strstr(why, "magic"));
  static const uint8_t version[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  assert_int_equal(SCAN(version), DW__WASM_MALFORMED);
  static const uint8_t short_hdr[] = {0x00, 0x61, 0x73};
  assert_int_equal(SCAN(short_hdr), DW__WASM_MALFORMED);
  /* truncated LEB128 (section size) */
  static const uint8_t trunc[] = {HDR, 0x05, 0x80, 0x80};
  assert_int_equal(SCAN(trunc), DW__WASM_MALFORMED);
  assert_non_null(strstr(why, "cannot be checked"));
  /* six bytes; five bytes with bits past 32 */
  static const uint8_t too_long[] = {HDR, 0x05, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  assert_int_equal(SCAN(too_long), DW__WASM_MALFORMED);
  static const uint8_t too_big[] = {HDR, 0x00, 0xff, 0xff, 0xff, 0xff, 0x7f};
  assert_int_equal(SCAN(too_big), DW__WASM_MALFORMED);
  /* section size past the end; a size that does not match its entries (both ways) */
  static const uint8_t past[] = {HDR, 0x00, 0x05, 0x00};
  assert_int_equal(SCAN(past), DW__WASM_MALFORMED);
  static const uint8_t longer[] = {HDR, 0x05, 0x04, 0x01, 0x00, 0x01, 0x00};
  assert_int_equal(SCAN(longer), DW__WASM_MALFORMED);
  static const uint8_t shorter[] = {HDR, 0x05, 0x02, 0x01, 0x00, 0x01};
  assert_int_equal(SCAN(shorter), DW__WASM_MALFORMED);
  /* a vector count larger than its bytes; a name past its section */
  static const uint8_t count[] = {HDR, 0x05, 0x03, 0xff, 0xff, 0x03};
  assert_int_equal(SCAN(count), DW__WASM_MALFORMED);
  static const uint8_t name[] = {HDR, 0x02, 0x03, 0x01, 0x7f, 'a'};
  assert_int_equal(SCAN(name), DW__WASM_MALFORMED);
  /* unknown limits flags, import kind, global mutability */
  static const uint8_t flags[] = {HDR, 0x05, 0x03, 0x01, 0x10, 0x01};
  assert_int_equal(SCAN(flags), DW__WASM_MALFORMED);
  static const uint8_t kind[] = {HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x09, 0x00};
  assert_int_equal(SCAN(kind), DW__WASM_MALFORMED);
  static const uint8_t mut[] = {HDR, 0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7f, 0x02};
  assert_int_equal(SCAN(mut), DW__WASM_MALFORMED);
  /* a truncated memory64 limits (its LEB128 ends with the module) */
  static const uint8_t mem64[] = {HDR, 0x05, 0x04, 0x01, 0x04, 0xff, 0xff};
  assert_int_equal(SCAN(mem64), DW__WASM_MALFORMED);
}

/* Every proper prefix of a module with a shared import is refused one way or the other. */
static void test_prefixes(void **state) {
  (void)state;
  char why[200];
  for (size_t n = 0; n < sizeof shared_import; n++) {
    dw__wasm_verdict v = scan(shared_import, n, why, sizeof why);
    if (n == 8) assert_int_equal(v, DW__WASM_OK); /* the header alone is an empty module */
    else assert_int_equal(v, DW__WASM_MALFORMED);
    assert_true(v == DW__WASM_OK || why[0]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ok),           cmocka_unit_test(test_shared_declared),
      cmocka_unit_test(test_shared_imported), cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_prefixes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
