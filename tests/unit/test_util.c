/* Unit tests of src/util: bounded buffers, JSON escaping, UTF-8, the error table. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include "util/util.h"

static void buf_respects_its_maximum(void **state) {
  dw_buf b;
  dw__buf_init(&b, 8);
  assert_int_equal(dw__buf_puts(&b, "12345678"), 0);
  assert_int_equal(dw__buf_putc(&b, 'x'), DW_E_TOO_LARGE);
  assert_int_equal(b.len, 8);
  assert_string_equal(b.data, "12345678");
  assert_int_equal(dw__buf_printf(&b, "%d", 1), DW_E_TOO_LARGE);
  dw__buf_reset(&b);
  assert_int_equal(dw__buf_printf(&b, "%s-%d", "ab", 42), 0);
  assert_string_equal(b.data, "ab-42");
  size_t n;
  char *p = dw__buf_steal(&b, &n);
  assert_int_equal(n, 5);
  assert_null(b.data);
  free(p);
  dw__buf_free(&b);
}

static void buf_printf_longer_than_its_stack_buffer(void **state) {
  dw_buf b;
  dw__buf_init(&b, 4096);
  char big[1000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  assert_int_equal(dw__buf_printf(&b, "<%s>", big), 0);
  assert_int_equal(b.len, 1001);
  assert_int_equal(b.data[1000], '>');
  dw__buf_free(&b);
}

static void json_strings_are_escaped(void **state) {
  dw_buf b;
  dw__buf_init(&b, 1024);
  const char in[] = "a\"b\\c\n\x01\xff\xc3\xa9";
  assert_int_equal(dw__buf_json_str(&b, in, sizeof in - 1), 0);
  assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xc3\xa9\"");
  dw__buf_free(&b);
}

static void utf8_validation(void **state) {
  assert_true(dw__utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
  assert_false(dw__utf8_valid("\xc0\xaf", 2));         /* overlong */
  assert_false(dw__utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  assert_false(dw__utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
  assert_false(dw__utf8_valid("\xe2\x82", 2));         /* truncated */
}

static void error_table_is_consistent(void **state) {
  static const int all[] = {
#define NUM(name, num, code, msg, http, rpc) num,
      DW_ERRNO_MAP(NUM)
#undef NUM
  };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    for (size_t j = i + 1; j < sizeof all / sizeof all[0]; j++) {
      assert_int_not_equal(all[i], all[j]);
      assert_string_not_equal(dw_err_code(all[i]), dw_err_code(all[j]));
    }
    assert_int_equal(dw_err_from_code(dw_err_code(all[i])), all[i]);
    assert_true(dw_err_http_status(all[i]) >= 200);
  }
  /* Released numbers never change. */
  assert_int_equal(DW_E_CPU_LIMIT, -7);
  assert_string_equal(dw_err_code(DW_E_CPU_LIMIT), "cpu_limit_exceeded");
  assert_int_equal(dw_err_http_status(DW_E_WORKER_NOT_FOUND), 404);
  assert_string_equal(dw_strerror(12345), "unknown error");
  assert_int_equal(dw_err_from_code("no such code"), DW_E_INTERNAL);
}

static void version(void **state) {
  assert_int_equal(dw_version(), DW_VERSION_NUM);
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", DW_VERSION_MAJOR, DW_VERSION_MINOR, DW_VERSION_PATCH);
  assert_string_equal(dw_version_string(), want);
}

static void read_file_caps(void **state) {
  char path[] = "/tmp/dw_test_util_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "0123456789", 10), 10);
  close(fd);
  char *data;
  size_t len;
  assert_int_equal(dw__read_file(path, 10, &data, &len), 0);
  assert_int_equal(len, 10);
  assert_string_equal(data, "0123456789");
  free(data);
  assert_int_equal(dw__read_file(path, 9, &data, &len), DW_E_TOO_LARGE);
  unlink(path);
  assert_int_equal(dw__read_file(path, 9, &data, &len), DW_E_IO);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_respects_its_maximum), cmocka_unit_test(buf_printf_longer_than_its_stack_buffer),
      cmocka_unit_test(json_strings_are_escaped), cmocka_unit_test(utf8_validation),
      cmocka_unit_test(error_table_is_consistent), cmocka_unit_test(version),
      cmocka_unit_test(read_file_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
