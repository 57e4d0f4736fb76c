/* Limits for tests that expect a worker to finish in time. Under valgrind (make
 * test-valgrind) the engine runs 20-50 times slower, so the limits a test expects to be met
 * (and the runaways' limits alike, which only makes those take longer) are multiplied by
 * DW_TEST_SLOW (an integer, 1 when unset). */
#ifndef DW_TEST_SLOW_H
#define DW_TEST_SLOW_H
#include <stdint.h>
#include <stdlib.h>
#include "dynworker.h"

static inline unsigned dw_test_slow(void) {
  const char *s = getenv("DW_TEST_SLOW");
  long f = s ? strtol(s, NULL, 10) : 1;
  return f > 1 && f < 1000 ? (unsigned)f : 1;
}

/* The library's defaults (1000 ms CPU, 10 s wall) where unset, then both times scaled. */
static inline dw_limits dw_test_limits(dw_limits l) {
  unsigned f = dw_test_slow();
  if (f == 1) return l;
  l.cpu_ms = (l.cpu_ms ? l.cpu_ms : 1000) * f;
  l.wall_ms = (l.wall_ms ? l.wall_ms : 10000) * f;
  return l;
}

/* A dynamic worker's default limits (the loader's 50 ms CPU, 30 s wall), scaled; 0 (the
 * loader's own default) at native speed. */
static inline uint32_t dw_test_child_cpu_ms(void) { return dw_test_slow() > 1 ? 50 * dw_test_slow() : 0; }
static inline uint32_t dw_test_child_wall_ms(void) { return dw_test_slow() > 1 ? 30000 * dw_test_slow() : 0; }
#endif
