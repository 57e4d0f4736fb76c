/* Unit tests of the loader's egress (src/loader/egress.c), in-process so that the sanitizers
 * see every path: a response, a refusal at start, a failure in flight, a caller killed with a
 * request in flight (cancelled at a tick), and a run that ends with requests in flight
 * (freed at teardown). The server is a thread on 127.0.0.1:0: "/hang" is never answered,
 * anything else gets "ok". */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "engine_signals.h"
#include "slow.h"
#include "loader/loader.h"

static int listen_fd = -1;
static int port;
static int hung[64];
static int nhung;

static void *serve(void *arg) {
  (void)arg;
  for (;;) {
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    char buf[8192];
    size_t n = 0;
    while (n < sizeof buf - 1) {
      ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
      if (r <= 0) break;
      n += (size_t)r;
      buf[n] = 0;
      if (strstr(buf, "\r\n\r\n")) break;
    }
    if (strncmp(buf, "GET /hang", 9) == 0 && nhung < 64) {
      hung[nhung++] = fd; /* never answered */
      continue;
    }
    static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Y: z\r\nConnection: close\r\n\r\nok";
    ssize_t w = write(fd, res, sizeof res - 1);
    (void)w;
    close(fd);
  }
}

/* Runs `src` as the root of a loader (with a LOADER binding) under `policy`; returns the
 * response body (caller frees) and the run's error in *err. */
static char *run(const char *src, const dw__net_policy *policy, int *err) {
  dw_code *code = dw_code_new();
  assert_int_equal(dw_code_add_module(code, "w.js", src, strlen(src), DW_MODULE_AUTO), 0);
  const char *loaders[] = {"LOADER"};
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .outbound = policy,
                           .child_cpu_ms = dw_test_child_cpu_ms(),
                           .child_wall_ms = dw_test_child_wall_ms()};
  dw_sandbox_options o = {.limits = dw_test_limits((dw_limits){.wall_ms = 5000})};
  dw_request req = {.url = "http://root/"};
  dw_invocation inv = {.request = &req};
  dw_result *r = NULL;
  *err = dw__loader_run(&cfg, &o, code, &inv, NULL, NULL, &r, NULL);
  assert_non_null(r);
  size_t n = 0;
  const char *body = dw_result_body(r, &n);
  char *out = body ? strndup(body, n) : strdup(dw_result_json(r));
  dw_result_free(r);
  dw_code_free(code);
  return out;
}

static char *with_port(const char *fmt) {
  char *s = malloc(strlen(fmt) + 64);
  sprintf(s, fmt, port, port, port);
  return s;
}

static const char *const allow_local[] = {"127.0.0.1"};

static void response_and_refusals(void **state) {
  dw_test_restore_engine_signals(state);
  dw__net_policy p = {.allow_hosts = allow_local, .n_allow = 1, .allow_private = true};
  char *src = with_port(
      "export default { async fetch() {\n"
      "  const r = await fetch('http://127.0.0.1:%d/x');\n"
      "  const a = r.status + ' ' + r.headers.get('x-y') + ' ' + await r.text();\n"
      "  const b = await fetch('http://example.com/').catch((e) => e.code);\n"
      "  const c = await fetch('http://127.0.0.1:1/').catch((e) => e.name);\n"
      "  return new Response([a, b, c].join('|'));\n"
      "} }");
  int err;
  char *body = run(src, &p, &err);
  assert_int_equal(err, 0);
  assert_string_equal(body, "200 z ok|outbound_blocked|TypeError");
  free(body);
  free(src);
}

static void killed_caller_and_teardown_in_flight(void **state) {
  dw_test_restore_engine_signals(state);
  dw__net_policy p = {.allow_hosts = allow_local, .n_allow = 1, .allow_private = true};
  /* The child starts a request that never ends, then exceeds its CPU limit: the request is
   * cancelled at the next tick. The root then leaves one in flight itself: freed at the
   * loader's teardown. */
  char *src = with_port(
      "export default { async fetch(req, env) {\n"
      "  const w = env.LOADER.load({ compatibilityDate: '2026-01-01', modules: { 'c.js':\n"
      "    \"export default { async fetch() { fetch('http://127.0.0.1:%d/hang'); for (;;) {} } }\" } });\n"
      "  const a = await w.getEntrypoint().fetch('http://c/').then((r) => 'ok', (e) => e.code);\n"
      "  await new Promise((r) => setTimeout(r, 100));\n"
      "  fetch('http://127.0.0.1:%d/hang');\n"
      "  await new Promise((r) => setTimeout(r, 50));\n"
      "  return new Response(a);\n"
      "} }");
  int err;
  char *body = run(src, &p, &err);
  assert_int_equal(err, 0);
  assert_string_equal(body, "cpu_limit_exceeded");
  free(body);
  free(src);
}

static void no_policy_no_network(void **state) {
  dw_test_restore_engine_signals(state);
  int err;
  char *body = run("export default { async fetch() {\n"
                   "  return new Response(await fetch('http://example.com/').catch((e) => e.message));\n"
                   "} }",
                   NULL, &err);
  assert_int_equal(err, 0);
  assert_non_null(strstr(body, "no network"));
  free(body);
}

int main(void) {
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) ||
      listen(listen_fd, 64) || getsockname(listen_fd, (struct sockaddr *)&a, &len))
    return 1;
  port = ntohs(a.sin_port);
  pthread_t th;
  pthread_create(&th, NULL, serve, NULL);
  pthread_detach(th);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(response_and_refusals),
      cmocka_unit_test(killed_caller_and_teardown_in_flight),
      cmocka_unit_test(no_policy_no_network),
  };
  dw_test_save_engine_signals();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
