/* libFuzzer target: the daemon's HTTP request path (src/http), in-process. One server (the
 * real evhttp server, router, API handlers, WorkerCode check and store, against the test double
 * of the supervisor, tests/unit/fake_sup.c) listens on the loopback for the whole run; each
 * input is sent on a fresh connection and the loop runs until the server closes it or 200 ms
 * pass. The first byte picks how the rest is sent:
 *   0: as raw bytes (request line, headers, body: anything)
 *   1: as the JSON body of POST /v1/run          2: of PUT /v1/workers/fz
 *   3: of POST /v1/workers/fz/rpc/Api/m           (a worker fz is registered once)
 * Checks: nothing crashes or leaks; an answer starts with "HTTP/1."; every answer whose
 * Content-Type is application/json (ours: the API answers only so) has a body that parses as
 * a JSON object; an error answer is {"error": {"code", "message"}}; the server still answers
 * /healthz after each input. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "http/http.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct event_base *base;
static dw__store *store;
static dw__http *server;
static uint16_t port;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Sends `req` on a new connection and runs the loop until the answer is complete (the server
 * closed, or we saw Connection: close and a whole body) or `ms` pass. Returns the bytes read
 * (malloc'd, NUL-terminated) in *out. */
static size_t exchange(const char *req, size_t len, char **out, unsigned ms) {
  *out = NULL;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = -1;
  /* Two connections per input, thousands of inputs a second: the harness itself could run
   * out of ephemeral ports if closed connections sat in TIME_WAIT (a kernel with
   * net.ipv4.tcp_tw_reuse=0 does not reuse them), so each is closed with a reset (linger 0
   * below) and a connect that still finds no free port is retried, not taken for a bug. */
  for (int tries = 0; fd < 0; tries++) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      perror("fuzz_http: socket");
      abort();
    }
    int err = connect(fd, (struct sockaddr *)&a, sizeof a) ? errno : 0;
    if (err == EINTR) { /* libFuzzer's timer signal: the connect goes on; wait for it */
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      socklen_t el = sizeof err;
      if (poll(&p, 1, 2000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el)) err = ETIMEDOUT;
    }
    if (err == 0) break;
    close(fd);
    fd = -1;
    if ((err != EADDRNOTAVAIL && err != EAGAIN) || tries == 200) {
      fprintf(stderr, "fuzz_http: connect to the server: %s\n", strerror(err));
      abort();
    }
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  size_t sent = 0, got = 0, cap = 1 << 16;
  char *buf = malloc(cap + 1);
  if (!buf) abort();
  bool shut = false;
  uint64_t end = now_ms() + ms;
  while (now_ms() < end) {
    if (sent < len) {
      ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
      if (w > 0) sent += (size_t)w;
      else if (w < 0 && errno != EAGAIN) sent = len; /* reset: nothing more to send */
    } else if (!shut) {
      shutdown(fd, SHUT_WR);
      shut = true;
    }
    event_base_loop(base, EVLOOP_NONBLOCK);
    ssize_t r = recv(fd, buf + got, cap - got, 0);
    if (r == 0) break;
    if (r > 0) {
      got += (size_t)r;
      if (got == cap) break; /* enough to check */
    } else if (errno != EAGAIN) {
      break;
    } else {
      struct timespec ts = {0, 200000};
      nanosleep(&ts, NULL);
    }
  }
  close(fd);
  /* Let the server see the close. */
  for (int i = 0; i < 4; i++) event_base_loop(base, EVLOOP_NONBLOCK);
  buf[got] = 0;
  *out = buf;
  return got;
}

/* The checks of one answer (possibly several, pipelined: only the first is checked). */
static void check_answer(const char *buf, size_t n) {
  if (n == 0) return; /* closed without an answer (libevent does so for some garbage) */
  if (n < 9 || memcmp(buf, "HTTP/1.", 7) != 0) abort();
  const char *eoh = strstr(buf, "\r\n\r\n");
  if (!eoh) return; /* cut off by our read cap */
  const char *ct = strcasestr(buf, "\r\nContent-Type: application/json");
  if (!ct || ct > eoh) return;
  const char *cl = strcasestr(buf, "\r\nContent-Length:");
  if (!cl || cl > eoh) return;
  size_t blen = strtoul(cl + 17, NULL, 10);
  const char *body = eoh + 4;
  if ((size_t)(buf + n - body) < blen) return; /* incomplete */
  json_error_t e;
  json_t *v = json_loadb(body, blen, 0, &e);
  if (!json_is_object(v)) {
    fprintf(stderr, "fuzz_http: a JSON answer that is not a JSON object: %.300s\n", buf);
    abort();
  }
  int status = atoi(buf + 9);
  json_t *err = json_object_get(v, "error");
  /* An error answer of the API (not a worker's result object, which also has "error") is
   * {"error": {"code", "message"}}. */
  if (status >= 400 && !json_object_get(v, "ok") &&
      (!json_is_string(json_object_get(err, "code")) || !json_is_string(json_object_get(err, "message")))) {
    fprintf(stderr, "fuzz_http: an error answer without code and message: %.300s\n", buf);
    abort();
  }
  json_decref(v);
}

static void setup(void) {
  signal(SIGPIPE, SIG_IGN);
  base = event_base_new();
  static char dir[64];
  snprintf(dir, sizeof dir, "/tmp/dw-fuzz-http-%d", (int)getpid());
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
  if (system(cmd)) abort();
  char why[256];
  if (dw__store_open(dir, &store, why, sizeof why)) abort();
  dw__http_config cfg = {.base = base, .store = store, .max_body_bytes = 1 << 20,
                         .max_header_bytes = 16384, .timeout_s = 1};
  cfg.sup.executors = 1;
  if (dw__http_new(&cfg, &server, why, sizeof why)) abort();
  if (dw__http_listen(server, "127.0.0.1", 0, &port, why, sizeof why)) abort();
  static const char put[] =
      "PUT /v1/workers/fz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 44\r\n\r\n"
      "{\"code\": \"export default { fetch() { } }\"}  ";
  char *out;
  size_t n = exchange(put, sizeof put - 1, &out, 2000);
  if (n < 12 || (memcmp(out + 9, "201", 3) && memcmp(out + 9, "200", 3))) {
    fprintf(stderr, "fuzz_http: setup PUT: %s\n", out);
    abort();
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!base) setup();
  if (size == 0) return 0;
  static const char *const heads[] = {NULL, "POST /v1/run", "PUT /v1/workers/fz",
                                      "POST /v1/workers/fz/rpc/Api/m"};
  int mode = data[0] & 3;
  const char *body = (const char *)data + 1;
  size_t blen = size - 1;
  char *req = NULL;
  size_t len;
  if (mode == 0) {
    req = malloc(blen ? blen : 1);
    if (!req) abort();
    memcpy(req, body, blen);
    len = blen;
  } else {
    char head[256];
    int h = snprintf(head, sizeof head,
                     "%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Connection: close\r\nContent-Length: %zu\r\n\r\n",
                     heads[mode], blen);
    len = (size_t)h + blen;
    req = malloc(len);
    if (!req) abort();
    memcpy(req, head, (size_t)h);
    memcpy(req + h, body, blen);
  }
  char *out;
  size_t n = exchange(req, len, &out, 200);
  if (mode != 0) check_answer(out, n);
  else if (n && memcmp(out, "HTTP/", n < 5 ? n : 5) != 0) {
    fprintf(stderr, "fuzz_http: an answer that is not HTTP: %.200s\n", out);
    abort();
  }
  free(out);
  free(req);
  /* The server still works. */
  static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  n = exchange(hz, sizeof hz - 1, &out, 2000);
  if (n == 0) {
    /* Nothing within 2 s: on a starved machine (CI runs this beside other work) the loop may
     * simply not have run enough; a server that stopped answering fails the second try too. */
    free(out);
    uint64_t t0 = now_ms();
    n = exchange(hz, sizeof hz - 1, &out, 10000);
    fprintf(stderr, "fuzz_http: /healthz answered nothing in 2 s; a second try: %zu bytes in %u ms\n",
            n, (unsigned)(now_ms() - t0));
  }
  if (n < 12 || memcmp(out + 9, "200", 3) != 0) {
    fprintf(stderr, "fuzz_http: /healthz after the input: %.200s\n", out);
    abort();
  }
  free(out);
  return 0;
}
