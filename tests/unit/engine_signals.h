/* cmocka replaces the SIGSEGV/SIGBUS/SIGILL/SIGFPE handlers around each test, but the
 * engine relies on its own (ENGINE.md: leave those signals to it). Tests that run JS put
 * the engine's handlers back as the first statement of each test function (a setup fixture
 * is not enough: cmocka installs its handlers again around the test function itself). */
#ifndef DW_TEST_ENGINE_SIGNALS_H
#define DW_TEST_ENGINE_SIGNALS_H
#include <signal.h>
#include "dynworker.h"

static struct sigaction dw_test_saved[4];
static const int dw_test_signals[4] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};

/* Call once in main, after the engine is initialised (a first VM made and freed). */
static void dw_test_save_engine_signals(void) {
  dw_engine_free(dw_engine_new(NULL));
  for (int i = 0; i < 4; i++) sigaction(dw_test_signals[i], NULL, &dw_test_saved[i]);
}

/* Puts the engine's handlers back (cmocka restores its own saved ones after the test). */
static int dw_test_restore_engine_signals(void **state) {
  (void)state;
  for (int i = 0; i < 4; i++) sigaction(dw_test_signals[i], &dw_test_saved[i], NULL);
  return 0;
}
#endif
