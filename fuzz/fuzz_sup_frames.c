/* libFuzzer target: what an executor sends the supervisor (src/supervisor/exec.c, calls.c).
 * The input is the executor's whole output after a valid HELLO: the target writes HELLO and
 * the input to a file and starts an "executor" that copies that file to fd 3 (a shell script
 * around `cat`), so every byte goes through the real supervisor — header checks, JSON
 * parsing, RESULT / NEED_CODE / CALL handling, bindings and egress refused or started — while
 * one invocation of a registered worker is in flight (inv 1). Whatever the bytes, that
 * invocation must be answered exactly once (a result, or executor_lost when the executor is
 * killed or ends), with a result object, and nothing may crash or leak.
 * Slow (one process per input): for smoke runs. Also checks dw__workercode_check on the input
 * read as JSON. */
#include <event2/event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "executor/ipc.h"
#include "supervisor/supervisor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char CODE[] =
    "{\"mainModule\": \"a.js\", \"modules\": {\"a.js\": \"export default {}\"},"
    " \"env\": {\"H\": {\"$http\": {\"url\": \"http://127.0.0.1:9/\"}}, \"W\": {\"$worker\": \"w\"}},"
    " \"globalOutbound\": {\"allow\": [\"example.com\"]}, \"limits\": {\"wallMs\": 300}}";

typedef struct {
  int answers;
} state;

static void done(void *user, const dw__sup_outcome *o) {
  state *st = user;
  st->answers++;
  if (!json_is_object(o->result) || !json_is_boolean(json_object_get(o->result, "ok"))) abort();
}

static int resolve(void *user, const char *tenant, const char *id, json_t **code, uint64_t *rev) {
  *code = json_loads(CODE, 0, NULL);
  *rev = 1;
  return *code ? 0 : DW_E_NOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char dir[64], input[96], exe[96];
  if (!dir[0]) {
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "/tmp/dw-fuzz-sup-%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(input, sizeof input, "%s/input", dir);
    snprintf(exe, sizeof exe, "%s/executor", dir);
    FILE *f = fopen(exe, "w");
    if (!f) abort();
    fprintf(f, "#!/bin/sh\nexec cat %s >&3\n", input);
    fclose(f);
    chmod(exe, 0700);
  }
  /* The WorkerCode check on the same bytes, as JSON. */
  json_t *j = json_loadb((const char *)data, size, 0, NULL);
  if (j) {
    char why[256] = "";
    if (dw__workercode_check(j, why, sizeof why) && !why[0]) abort(); /* errors say why */
    json_decref(j);
  }

  FILE *f = fopen(input, "wb");
  if (!f) return 0;
  const char hello[] = "{\"pid\":1,\"steps\":[]}";
  uint8_t hdr[DW_IPC_HEADER];
  dw__ipc_header_put(hdr, DW_IPC_HELLO, sizeof hello - 1, 0);
  fwrite(hdr, 1, sizeof hdr, f);
  fwrite(hello, 1, sizeof hello - 1, f);
  if (size) fwrite(data, 1, size, f);
  fclose(f);

  struct event_base *base = event_base_new();
  dw__sup_config cfg = {.base = base, .exe = exe, .executors = 1, .grace_ms = 50,
                        .hello_ms = 2000, .quarantine_ms = 1, .resolve = resolve};
  dw__sup *s = NULL;
  char why[256];
  if (dw__sup_new(&cfg, &s, why, sizeof why)) abort();
  json_t *code = json_loads(CODE, 0, NULL);
  json_t *args = json_loads("[1, \"x\"]", 0, NULL);
  state st = {0};
  dw__sup_invocation inv = {.kind = DW_SUP_RPC, .worker_id = "w", .rev = 1, .code = code,
                            .method = "m", .args = args};
  if (dw__sup_invoke(s, &inv, done, &st, NULL)) abort();
  uint64_t end = dw__now_ns() + 5000000000ull;
  while (!st.answers && dw__now_ns() < end) event_base_loop(base, EVLOOP_ONCE);
  if (st.answers != 1) abort(); /* answered, exactly once, within its deadline */
  dw__sup_free(s);
  json_decref(code);
  json_decref(args);
  event_base_free(base);
  return 0;
}
