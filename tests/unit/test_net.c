/* Unit tests of src/net: the address classifier, the URL and header checks, and real requests
 * to an HTTP server this test forks on 127.0.0.1 (no other network is needed). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "net/net.h"
#include "net/policy.h"
#include "util/util.h"

/* ---- the test server: one forked process per connection, Connection: close ---- */

static pid_t server_pid;
static int server_port;

static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w <= 0) return;
    c += w;
    n -= (size_t)w;
  }
}

static void say(int fd, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  write_all(fd, buf, (size_t)n);
}

/* Routes: /echo (the raw request back as the body), /redirect, /big/N (N bytes with a
 * Content-Length), /stream/N (N bytes until close), /slow (answers after 10 s), /teapot,
 * /manyheaders, /nul (a NUL in a header), /ka (keeps the connection open for the next
 * request; the body says which request on the connection it is). Returns whether to read another request on the connection. */
static bool serve(int fd, int nth) {
  static char req[4 << 20];
  size_t len = 0, head = 0;
  while (len < sizeof req - 1) {
    ssize_t r = read(fd, req + len, sizeof req - 1 - len);
    if (r <= 0) return false;
    len += (size_t)r;
    req[len] = 0;
    char *e = strstr(req, "\r\n\r\n");
    if (e) {
      head = (size_t)(e - req) + 4;
      break;
    }
  }
  if (!head) return false;
  size_t clen = 0;
  for (char *p = req; p < req + head; p = strchr(p, '\n') + 1) {
    if (!strncasecmp(p, "content-length:", 15)) clen = strtoul(p + 15, NULL, 10);
    if (!strchr(p, '\n')) break;
  }
  while (len < head + clen && len < sizeof req - 1) {
    ssize_t r = read(fd, req + len, sizeof req - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
  }
  char path[256] = "";
  sscanf(req, "%*s %255s", path);
  if (!strcmp(path, "/ka")) {
    say(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok %d", nth % 10);
    return true;
  } else if (!strcmp(path, "/echo")) {
    say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Reply: yes\r\nX-Multi: a\r\n"
            "X-Multi: b\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", len);
    write_all(fd, req, len);
  } else if (!strcmp(path, "/redirect")) {
    say(fd, "HTTP/1.1 302 Found\r\nLocation: /echo\r\nContent-Length: 5\r\n\r\nmoved");
  } else if (!strncmp(path, "/big/", 5) || !strncmp(path, "/stream/", 8)) {
    bool big = path[1] == 'b';
    size_t n = strtoul(path + (big ? 5 : 8), NULL, 10);
    if (big) say(fd, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
    else say(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    char chunk[1024];
    memset(chunk, 'x', sizeof chunk);
    for (size_t k = 0; k < n; k += sizeof chunk) write_all(fd, chunk, DW_MIN(n - k, sizeof chunk));
  } else if (!strcmp(path, "/slow")) {
    sleep(10);
    say(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  } else if (!strcmp(path, "/noreason")) {
    say(fd, "HTTP/1.1 204\r\nX-A:b\r\n\r\n");
  } else if (!strcmp(path, "/teapot")) {
    say(fd, "HTTP/1.1 418 I'm a teapot\r\nX-Folded: one\r\n  two\r\nContent-Length: 0\r\n\r\n");
  } else if (!strcmp(path, "/manyheaders")) {
    say(fd, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 300; i++) say(fd, "X-H%d: v\r\n", i);
    say(fd, "Content-Length: 0\r\n\r\n");
  } else if (!strcmp(path, "/nul")) {
    write_all(fd, "HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 0\r\n\r\n", 47);
  } else {
    say(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  }
  return false;
}

static int listener(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 512) ||
      getsockname(fd, (struct sockaddr *)&sa, &sl))
    return -1;
  *port = ntohs(sa.sin_port);
  return fd;
}

static int server_start(void **state) {
  int fd = listener(&server_port);
  if (fd < 0) return -1;
  server_pid = fork();
  if (server_pid < 0) return -1;
  if (server_pid == 0) {
    setpgid(0, 0);
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
      int c = accept(fd, NULL, NULL);
      if (c < 0) continue;
      if (fork() == 0) {
        close(fd);
        for (int nth = 1; serve(c, nth); nth++) {}
        shutdown(c, SHUT_WR);
        char sink[256];
        while (read(c, sink, sizeof sink) > 0) {}
        _exit(0);
      }
      close(c);
    }
  }
  setpgid(server_pid, server_pid);
  close(fd);
  return 0;
}

static int server_stop(void **state) {
  kill(-server_pid, SIGKILL);
  kill(server_pid, SIGKILL);
  waitpid(server_pid, NULL, 0);
  return 0;
}

/* A URL on the test server; the last 8 stay valid (requests built side by side). */
static char *url_of(const char *path) {
  static char u[8][256];
  static unsigned next;
  char *s = u[next++ % 8];
  snprintf(s, sizeof u[0], "http://127.0.0.1:%d%s", server_port, path);
  return s;
}

/* ---- what a done callback saw ---- */

typedef struct {
  int calls;
  int err;
  char msg[512];
  int status;
  char status_text[64];
  char headers[8192]; /* joined with '\n' */
  size_t nheaders;
  char *body;
  size_t body_len;
  char url[256];
  dw__net *net;       /* for callbacks that act on the client */
  uint64_t cancel_id; /* cancelled from inside the callback when not 0 */
} result;

static void on_done(void *user, int err, const char *message, const dw__net_response *res) {
  result *r = user;
  r->calls++;
  r->err = err;
  if (err) {
    assert_non_null(message);
    assert_null(res);
    snprintf(r->msg, sizeof r->msg, "%s", message);
  } else {
    assert_null(message);
    r->status = res->status;
    snprintf(r->status_text, sizeof r->status_text, "%s", res->status_text);
    r->nheaders = res->nheaders;
    r->headers[0] = 0;
    for (size_t i = 0; i < res->nheaders; i++) {
      strncat(r->headers, res->headers[i], sizeof r->headers - strlen(r->headers) - 2);
      strcat(r->headers, "\n");
    }
    assert_null(res->headers[res->nheaders]);
    free(r->body);
    r->body = dw__memdup(res->body, res->body_len + 1);
    r->body_len = res->body_len;
    snprintf(r->url, sizeof r->url, "%s", res->url);
  }
  if (r->cancel_id) dw__net_cancel(r->net, r->cancel_id);
}

static void drain(dw__net *n, int max_ms) {
  uint64_t end = dw__now_ns() + (uint64_t)max_ms * 1000000u;
  while (dw__net_in_flight(n) > 0 && dw__now_ns() < end) assert_true(dw__net_poll(n, 50) >= 0);
}

static const char *const any_host[] = {"*"};
static const dw__net_policy open_policy = {.allow_hosts = any_host, .n_allow = 1,
                                           .allow_private = true};
static const dw__net_policy public_policy = {.allow_hosts = any_host, .n_allow = 1};

/* Runs one request to completion; returns what dw__net_start returned. */
static int fetch(const dw__net_policy *p, const dw__net_request *rq, result *r) {
  dw__net *n = dw__net_new();
  assert_non_null(n);
  memset(r, 0, sizeof *r);
  uint64_t id = 0;
  int rc = dw__net_start(n, p, rq, on_done, r, &id, r->msg, sizeof r->msg);
  if (rc == 0) {
    assert_true(id > 0);
    drain(n, 20000);
    assert_int_equal(r->calls, 1);
  } else {
    assert_int_equal(dw__net_in_flight(n), 0);
  }
  dw__net_free(n);
  if (rc) assert_int_equal(r->calls, 0); /* an error return never calls back */
  return rc;
}

static void result_free(result *r) {
  free(r->body);
  r->body = NULL;
}

/* ---- pure checks ---- */

static void address_classifier(void **state) {
  static const struct {
    const char *addr;
    const char *why; /* a substring of the refusal, or NULL: allowed */
  } cases[] = {
      {"8.8.8.8", NULL},
      {"1.1.1.1", NULL},
      {"93.184.216.34", NULL},
      {"0.0.0.0", "this network"},
      {"0.1.2.3", "this network"},
      {"10.0.0.1", "private"},
      {"10.255.255.255", "private"},
      {"100.64.0.1", "carrier-grade"},
      {"100.127.255.255", "carrier-grade"},
      {"100.128.0.0", NULL},
      {"127.0.0.1", "loopback"},
      {"127.255.0.9", "loopback"},
      {"169.254.169.254", "metadata"},
      {"169.254.1.1", "link-local"},
      {"168.63.129.16", "Azure"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"172.32.0.0", NULL},
      {"172.15.255.255", NULL},
      {"192.0.0.8", "IETF"},
      {"192.0.2.1", "documentation"},
      {"192.168.1.1", "private"},
      {"192.169.0.0", NULL},
      {"198.18.0.1", "benchmarking"},
      {"198.19.255.255", "benchmarking"},
      {"198.20.0.0", NULL},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"240.0.0.1", "reserved"},
      {"255.255.255.255", "broadcast"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:7f00:1", "loopback"},
      {"::ffff:169.254.169.254", "metadata"},
      {"::ffff:8.8.8.8", NULL},
      {"64:ff9b::10.0.0.1", "private"},
      {"64:ff9b::8.8.8.8", NULL},
      {"64:ff9b:1::1", "NAT64"},
      {"::127.0.0.1", "IPv4-compatible"},
      {"fc00::1", "unique local"},
      {"fd00:ec2::254", "unique local"},
      {"fe80::1", "link-local"},
      {"febf::1", "link-local"},
      {"fec0::1", "site-local"},
      {"ff02::1", "multicast"},
      {"2001:db8::1", "documentation"},
      {"2001::1", "Teredo"},
      {"2001:2::1", "IETF"},
      {"2002:7f00:1::1", "loopback"},
      {"2002:808:808::1", NULL},
      {"3fff::1", "documentation"},
      {"100::1", "discard"},
      {"4000::1", "global unicast"},
      {"2606:4700:4700::1111", NULL},
      {"2a00:1450:4001:82a::200e", NULL},
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(cases); i++) {
    unsigned char a[16];
    int fam = strchr(cases[i].addr, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(fam, cases[i].addr, a), 1);
    const char *why = dw__net_addr_refusal(fam, a);
    if (!cases[i].why) {
      if (why) fail_msg("%s should be allowed, refused as %s", cases[i].addr, why);
    } else if (!why || !strstr(why, cases[i].why)) {
      fail_msg("%s: expected '%s', got '%s'", cases[i].addr, cases[i].why, why ? why : "NULL");
    }
  }
  assert_non_null(dw__net_addr_refusal(AF_UNIX, "x"));
}

static void url_checks(void **state) {
  static const char *const list[] = {"api.example.com", "*.cdn.example.org", "EXAMPLE.net.",
                                     "203.0.113.7", "[2001:db8::1]", "127.0.0.1"};
  dw__net_policy p = {.allow_hosts = list, .n_allow = DW_ARRAY_LEN(list)};
  static const struct {
    const char *url;
    int rc;
  } cases[] = {
      {"https://api.example.com/v1?q=1", 0},
      {"http://API.Example.COM./x", 0},
      {"https://api.example.com:8443/", 0},
      {"https://x.api.example.com/", DW_E_OUTBOUND_BLOCKED},
      {"https://example.com/", DW_E_OUTBOUND_BLOCKED},
      {"https://a.cdn.example.org/", 0},
      {"https://a.b.cdn.example.org/", 0},
      {"https://cdn.example.org/", DW_E_OUTBOUND_BLOCKED}, /* not the apex */
      {"https://evilcdn.example.org/", DW_E_OUTBOUND_BLOCKED},
      {"https://example.net/", 0},
      {"https://example.net.evil.com/", DW_E_OUTBOUND_BLOCKED},
      {"https://api.example.com@evil.com/", DW_E_BAD_REQUEST}, /* credentials */
      {"https://user:pw@api.example.com/", DW_E_BAD_REQUEST},
      {"https://evil.com/#@api.example.com", DW_E_OUTBOUND_BLOCKED},
      {"https://evil.com/?api.example.com", DW_E_OUTBOUND_BLOCKED},
      {"ftp://api.example.com/", DW_E_BAD_REQUEST},
      {"file:///etc/passwd", DW_E_BAD_REQUEST},
      {"gopher://api.example.com/", DW_E_BAD_REQUEST},
      {"dict://api.example.com/", DW_E_BAD_REQUEST},
      {"//api.example.com/", DW_E_BAD_REQUEST},
      {"api.example.com/", DW_E_BAD_REQUEST},
      {"http://api.example.com:99999/", DW_E_BAD_REQUEST},
      {"http://api .example.com/", DW_E_BAD_REQUEST},
      {"http://api.example.com/\r\nX: y", DW_E_BAD_REQUEST},
      {"http://h\xc3\xa9llo.com/", DW_E_BAD_REQUEST},
      {"http://256.1.1.1/", DW_E_BAD_REQUEST},
      {"http://1.2.3.4.5/", DW_E_BAD_REQUEST},
      {"http://[fe80::1%25eth0]/", DW_E_BAD_REQUEST},
      {"https://203.0.113.7/", DW_E_OUTBOUND_BLOCKED}, /* allowed by the list, but private */
      {"https://[2001:db8:0::1]/", DW_E_OUTBOUND_BLOCKED},
      {"https://127.0.0.1/", DW_E_OUTBOUND_BLOCKED},
      {"https://2130706433/", DW_E_OUTBOUND_BLOCKED},
      {"https://0x7f.1/", DW_E_OUTBOUND_BLOCKED},
      {"https://0x7f.1./", DW_E_OUTBOUND_BLOCKED},
      {"https://0177.0.0.1/", DW_E_OUTBOUND_BLOCKED},
      {"https://127.1/", DW_E_OUTBOUND_BLOCKED},
  };
  char why[256];
  for (size_t i = 0; i < DW_ARRAY_LEN(cases); i++) {
    why[0] = 0;
    int rc = dw__net_check_url(&p, cases[i].url, why, sizeof why);
    if (rc != cases[i].rc)
      fail_msg("%s: expected %d, got %d (%s)", cases[i].url, cases[i].rc, rc, why);
    if (rc) assert_true(why[0] != 0);
  }
  /* With private destinations allowed, IP literals match the list literally, in any
   * spelling that is the same address. */
  p.allow_private = true;
  assert_int_equal(dw__net_check_url(&p, "https://203.0.113.7/", why, sizeof why), 0);
  assert_int_equal(dw__net_check_url(&p, "https://[2001:db8:0:0::1]/", why, sizeof why), 0);
  assert_int_equal(dw__net_check_url(&p, "https://2130706433/", why, sizeof why), 0);
  assert_int_equal(dw__net_check_url(&p, "https://127.0.0.2/", why, sizeof why),
                   DW_E_OUTBOUND_BLOCKED);
  /* No allow-list: nothing goes out. */
  dw__net_policy none = {.allow_private = true};
  assert_int_equal(dw__net_check_url(&none, "https://api.example.com/", why, sizeof why),
                   DW_E_OUTBOUND_BLOCKED);
  assert_non_null(strstr(why, "api.example.com"));
  /* Caps. */
  size_t big = DW__NET_MAX_URL + 10;
  char *u = malloc(big + 1);
  memcpy(u, "https://api.example.com/", 24);
  memset(u + 24, 'a', big - 24);
  u[big] = 0;
  assert_int_equal(dw__net_check_url(&p, u, why, sizeof why), DW_E_TOO_LARGE);
  free(u);
  assert_int_equal(dw__net_check_url(&p, NULL, why, sizeof why), DW_E_BAD_REQUEST);
  /* Host names up to 253 bytes (254 with the trailing dot). */
  char host[300], url[400];
  memset(host, 'a', sizeof host);
  for (int i = 63; i < 300; i += 64) host[i] = '.';
  static const struct {
    size_t len;
    int rc;
  } lens[] = {{253, 0}, {254, DW_E_BAD_REQUEST}, {255, DW_E_BAD_REQUEST}, {290, DW_E_BAD_REQUEST}};
  for (size_t i = 0; i < DW_ARRAY_LEN(lens); i++) {
    snprintf(url, sizeof url, "http://%.*s/", (int)lens[i].len, host);
    assert_int_equal(dw__net_check_url(&public_policy, url, why, sizeof why), lens[i].rc);
    snprintf(url, sizeof url, "http://%.*s./", (int)lens[i].len, host);
    assert_int_equal(dw__net_check_url(&public_policy, url, why, sizeof why), lens[i].rc);
  }
}

static void method_and_header_checks(void **state) {
  assert_int_equal(dw__net_check_method("GET", NULL, 0), 0);
  assert_int_equal(dw__net_check_method("PATCH", NULL, 0), 0);
  assert_int_equal(dw__net_check_method("X-CUSTOM!", NULL, 0), 0);
  assert_int_equal(dw__net_check_method("", NULL, 0), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_method("GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET", NULL, 0),
                   DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_method("GE T", NULL, 0), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_method("connect", NULL, 0), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_method("TRACE", NULL, 0), DW_E_BAD_REQUEST);
  char why[256];
  assert_int_equal(dw__net_check_header("X-A: b", why, sizeof why), 0);
  assert_int_equal(dw__net_check_header("X-A:", why, sizeof why), 0);
  assert_int_equal(dw__net_check_header("X-A: b\r\nX-Evil: 1", why, sizeof why),
                   DW_E_BAD_REQUEST);
  assert_non_null(strstr(why, "CR or LF"));
  assert_int_equal(dw__net_check_header("X-A: b\nX-Evil: 1", why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_header("X-A: b\r", why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_header("X A: b", why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_header("X-A : b", why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_header(": b", why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_header("X-A", why, sizeof why), DW_E_BAD_REQUEST);
  assert_int_equal(dw__net_check_header("X-\x80: b", why, sizeof why), DW_E_BAD_REQUEST);
}

/* ---- requests to the local server ---- */

static void get_round_trip(void **state) {
  const char *const hdrs[] = {"X-Foo: bar", "Accept:  text/x  ", "X-Empty:",
                              "Host: evil.example", "Content-Length: 99999", NULL};
  dw__net_request rq = {.url = url_of("/echo"), .headers = hdrs};
  result r;
  assert_int_equal(fetch(&open_policy, &rq, &r), 0);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.status_text, "OK");
  assert_string_equal(r.url, url_of("/echo"));
  assert_non_null(strstr(r.headers, "content-type: text/plain\nx-reply: yes\nx-multi: a\n"
                                    "x-multi: b\n"));
  assert_non_null(strstr(r.body, "GET /echo HTTP/1.1\r\n"));
  assert_non_null(strstr(r.body, "\r\nX-Foo: bar\r\n"));
  assert_non_null(strstr(r.body, "\r\nAccept: text/x\r\n"));
  assert_non_null(strstr(r.body, "\r\nX-Empty:"));
  char host[64];
  snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%d\r\n", server_port);
  assert_non_null(strstr(r.body, host)); /* the worker's Host is dropped */
  assert_null(strstr(r.body, "evil.example"));
  assert_null(strstr(r.body, "99999"));
  assert_null(strcasestr(r.body, "cookie"));
  result_free(&r);
}

static void post_round_trip(void **state) {
  /* Binary, with a request line inside, and past the size where curl would ask for
   * 100-continue (1 MiB) unless told not to. */
  enum { LEN = 1536 * 1024 };
  char *body = malloc(LEN);
  for (size_t i = 0; i < LEN; i++) body[i] = (char)(i * 7);
  memcpy(body, "a\0b\r\n\r\nGET / HTTP/1.1\r\n", 22);
  const char *const hdrs[] = {"Content-Type: application/octet-stream", NULL};
  dw__net_request rq = {.method = "POST", .url = url_of("/echo"), .headers = hdrs,
                        .body = body, .body_len = LEN};
  result r;
  assert_int_equal(fetch(&open_policy, &rq, &r), 0);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "POST /echo HTTP/1.1\r\n"));
  assert_non_null(strstr(r.body, "\r\nContent-Type: application/octet-stream\r\n"));
  char cl[64];
  snprintf(cl, sizeof cl, "\r\nContent-Length: %d\r\n", LEN);
  assert_non_null(strstr(r.body, cl));
  assert_null(strcasestr(r.body, "Expect:")); /* no 1 s wait for a 100 Continue */
  assert_true(r.body_len > LEN);
  assert_memory_equal(r.body + r.body_len - LEN, body, LEN);
  result_free(&r);
  free(body);
  /* No Content-Type given: curl's form type is not invented; PUT with no body sends 0. */
  dw__net_request put = {.method = "PUT", .url = url_of("/echo")};
  assert_int_equal(fetch(&open_policy, &put, &r), 0);
  assert_non_null(strstr(r.body, "PUT /echo HTTP/1.1\r\n"));
  assert_non_null(strstr(r.body, "\r\nContent-Length: 0\r\n"));
  assert_null(strcasestr(r.body, "content-type"));
  result_free(&r);
  dw__net_request del = {.method = "DELETE", .url = url_of("/echo")};
  assert_int_equal(fetch(&open_policy, &del, &r), 0);
  assert_non_null(strstr(r.body, "DELETE /echo HTTP/1.1\r\n"));
  result_free(&r);
  dw__net_request head = {.method = "HEAD", .url = url_of("/echo")};
  assert_int_equal(fetch(&open_policy, &head, &r), 0);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.body_len, 0);
  result_free(&r);
}

/* http_proxy & co. in the environment must not route requests elsewhere. */
static void proxies_from_the_environment_are_ignored(void **state) {
  char proxy[64];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", server_port);
  static const char *const vars[] = {"http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
  for (size_t i = 0; i < DW_ARRAY_LEN(vars); i++) setenv(vars[i], proxy, 1);
  unsetenv("NO_PROXY");
  unsetenv("no_proxy");
  dw__net_request rq = {.url = "http://127.0.0.2:9/echo"}; /* nothing listens there */
  result r;
  assert_int_equal(fetch(&open_policy, &rq, &r), 0);
  for (size_t i = 0; i < DW_ARRAY_LEN(vars); i++) unsetenv(vars[i]);
  if (r.err != DW_E_IO) fail_msg("went through the proxy: %d %s", r.err, r.msg);
  assert_non_null(strstr(r.msg, "could not connect to 127.0.0.2"));
  result_free(&r);
}

static void injected_headers_replace_the_workers(void **state) {
  const dw__net_header_rule rules[] = {
      {"127.0.0.1", "Authorization", "Bearer host-secret"},
      {"api.example.com", "X-Other", "not-here"},
  };
  dw__net_policy p = open_policy;
  p.inject = rules;
  p.n_inject = 2;
  const char *const hdrs[] = {"authorization: Bearer worker", "X-Other: kept", NULL};
  dw__net_request rq = {.url = url_of("/echo"), .headers = hdrs};
  result r;
  assert_int_equal(fetch(&p, &rq, &r), 0);
  assert_non_null(strstr(r.body, "\r\nAuthorization: Bearer host-secret\r\n"));
  assert_null(strstr(r.body, "worker"));
  assert_non_null(strstr(r.body, "\r\nX-Other: kept\r\n"));
  assert_null(strstr(r.body, "not-here"));
  assert_null(strstr(r.headers, "host-secret")); /* not in the response */
  result_free(&r);
  /* A bad rule is a bad policy. */
  const dw__net_header_rule bad[] = {{"*", "X-A", "b\r\nX-Evil: 1"}};
  p.inject = bad;
  p.n_inject = 1;
  assert_int_equal(fetch(&p, &rq, &r), DW_E_BAD_REQUEST);
}

static void redirects_are_returned_not_followed(void **state) {
  dw__net_request rq = {.url = url_of("/redirect")};
  result r;
  assert_int_equal(fetch(&open_policy, &rq, &r), 0);
  assert_int_equal(r.status, 302);
  assert_string_equal(r.status_text, "Found");
  assert_non_null(strstr(r.headers, "location: /echo\n"));
  assert_string_equal(r.body, "moved");
  assert_string_equal(r.url, url_of("/redirect"));
  result_free(&r);
  dw__net_request tea = {.url = url_of("/teapot")};
  assert_int_equal(fetch(&open_policy, &tea, &r), 0);
  assert_int_equal(r.status, 418);
  assert_string_equal(r.status_text, "I'm a teapot");
  assert_non_null(strstr(r.headers, "x-folded: one two\n"));
  result_free(&r);
  dw__net_request none = {.url = url_of("/noreason")};
  assert_int_equal(fetch(&open_policy, &none, &r), 0);
  assert_int_equal(r.status, 204);
  assert_string_equal(r.status_text, "");
  assert_string_equal(r.headers, "x-a: b\n");
  result_free(&r);
}

static void responses_over_their_caps_fail(void **state) {
  dw__net_policy p = open_policy;
  p.max_response_bytes = 5000;
  result r;
  dw__net_request ok = {.url = url_of("/big/5000")};
  assert_int_equal(fetch(&p, &ok, &r), 0);
  assert_int_equal(r.body_len, 5000);
  result_free(&r);
  const char *over[] = {"/big/5001", "/stream/5001", "/big/100000000", "/stream/3000000"};
  for (size_t i = 0; i < DW_ARRAY_LEN(over); i++) {
    dw__net_request rq = {.url = url_of(over[i])};
    assert_int_equal(fetch(&p, &rq, &r), 0);
    if (r.err != DW_E_TOO_LARGE) fail_msg("%s: %d %s", over[i], r.err, r.msg);
    assert_non_null(strstr(r.msg, "5000 bytes"));
  }
  dw__net_request many = {.url = url_of("/manyheaders")};
  assert_int_equal(fetch(&open_policy, &many, &r), 0);
  assert_int_equal(r.err, DW_E_TOO_LARGE);
  assert_non_null(strstr(r.msg, "headers"));
  dw__net_request nul = {.url = url_of("/nul")};
  assert_int_equal(fetch(&open_policy, &nul, &r), 0);
  assert_int_equal(r.err, DW_E_IO);
}

static void requests_over_their_caps_are_refused(void **state) {
  result r;
  const char **many = calloc(DW__NET_MAX_REQ_HEADERS + 2, sizeof *many);
  for (size_t i = 0; i <= DW__NET_MAX_REQ_HEADERS; i++) many[i] = "X-A: b";
  dw__net_request rq = {.url = url_of("/echo"), .headers = many};
  assert_int_equal(fetch(&open_policy, &rq, &r), DW_E_TOO_LARGE);
  free(many);
  char *big = malloc(40000);
  memcpy(big, "X-Big: ", 7);
  memset(big + 7, 'v', 40000 - 8);
  big[40000 - 1] = 0;
  const char *const two[] = {big, big, NULL};
  dw__net_request rq2 = {.url = url_of("/echo"), .headers = two};
  assert_int_equal(fetch(&open_policy, &rq2, &r), DW_E_TOO_LARGE);
  free(big);
  dw__net_request body = {.method = "POST", .url = url_of("/echo"), .body = "",
                          .body_len = DW__NET_MAX_REQ_BODY + 1};
  assert_int_equal(fetch(&open_policy, &body, &r), DW_E_TOO_LARGE);
}

static void a_slow_server_times_out(void **state) {
  dw__net_policy p = open_policy;
  p.timeout_ms = 300;
  dw__net_request rq = {.url = url_of("/slow")};
  result r;
  uint64_t t0 = dw__now_ns();
  assert_int_equal(fetch(&p, &rq, &r), 0);
  uint64_t ms = (dw__now_ns() - t0) / 1000000u;
  assert_int_equal(r.err, DW_E_IO);
  assert_non_null(strstr(r.msg, "timed out after 300 ms"));
  assert_true(ms >= 250 && ms < 5000);
}

/* True when someone connected to the listening socket. */
static bool connected_to(int lfd) {
  struct pollfd pfd = {.fd = lfd, .events = POLLIN};
  return poll(&pfd, 1, 200) > 0;
}

static void private_destinations_are_refused(void **state) {
  int port;
  int lfd = listener(&port);
  assert_true(lfd >= 0);
  char url[128];
  static const char *const literal[] = {
      "127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "[::1]",
      "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "169.254.169.254", "10.0.0.1", "0.0.0.0",
      "[fd00:ec2::254]", "[64:ff9b::a9fe:a9fe]", "192.168.0.1"};
  result r;
  for (size_t i = 0; i < DW_ARRAY_LEN(literal); i++) {
    snprintf(url, sizeof url, "http://%s:%d/", literal[i], port);
    dw__net_request rq = {.url = url};
    int rc = fetch(&public_policy, &rq, &r);
    if (rc != DW_E_OUTBOUND_BLOCKED) fail_msg("%s: %d %s", url, rc, r.msg);
    assert_non_null(strstr(r.msg, "refused: "));
  }
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
  dw__net_request lit = {.url = url};
  assert_int_equal(fetch(&public_policy, &lit, &r), DW_E_OUTBOUND_BLOCKED);
  assert_string_equal(r.msg, "refused: 127.0.0.1 is a loopback address");
  /* A name is resolved first; the guard refuses every address it resolves to. */
  const char *names[] = {"localhost", "LocalHost.", "ip6-localhost"};
  for (size_t i = 0; i < DW_ARRAY_LEN(names); i++) {
    snprintf(url, sizeof url, "http://%s:%d/", names[i], port);
    dw__net_request rq = {.url = url};
    assert_int_equal(fetch(&public_policy, &rq, &r), 0);
    if (i > 0 && r.err == DW_E_IO && strstr(r.msg, "resolve")) continue; /* not in /etc/hosts */
    if (r.err != DW_E_OUTBOUND_BLOCKED) fail_msg("%s: %d %s", url, r.err, r.msg);
    assert_non_null(strstr(r.msg, "resolves to"));
    assert_non_null(strstr(r.msg, "which is a loopback address"));
  }
  /* A host outside the allow-list: refused before any connection. */
  static const char *const only[] = {"api.example.com"};
  dw__net_policy listed = {.allow_hosts = only, .n_allow = 1, .allow_private = true};
  dw__net_request rq = {.url = url};
  assert_int_equal(fetch(&listed, &rq, &r), DW_E_OUTBOUND_BLOCKED);
  assert_non_null(strstr(r.msg, "not in the sandbox's allowed hosts"));
  assert_false(connected_to(lfd));
  /* The same listener with private destinations allowed: proof the probe can see one. */
  snprintf(url, sizeof url, "http://localhost:%d/", port);
  dw__net *n = dw__net_new();
  memset(&r, 0, sizeof r);
  assert_int_equal(dw__net_start(n, &open_policy, &rq, on_done, &r, NULL, NULL, 0), 0);
  for (int i = 0; i < 20 && !connected_to(lfd); i++) dw__net_poll(n, 10);
  assert_true(connected_to(lfd));
  dw__net_free(n);
  assert_int_equal(r.calls, 0);
  close(lfd);
}

/* A connection that a request allowing private destinations opened stays in the shared pool;
 * a request that does not allow them must not be sent on it. */
static void a_reused_connection_is_checked_again(void **state) {
  dw__net *n = dw__net_new();
  char url[128];
  snprintf(url, sizeof url, "http://localhost:%d/ka", server_port);
  dw__net_request rq = {.url = url};
  result a = {0}, b = {0}, c = {0};
  assert_int_equal(dw__net_start(n, &open_policy, &rq, on_done, &a, NULL, NULL, 0), 0);
  drain(n, 10000);
  assert_int_equal(a.err, 0);
  assert_string_equal(a.body, "ok 1");
  /* The pool does reuse it: the second request is the connection's second. */
  assert_int_equal(dw__net_start(n, &open_policy, &rq, on_done, &c, NULL, NULL, 0), 0);
  drain(n, 10000);
  assert_int_equal(c.err, 0);
  assert_string_equal(c.body, "ok 2");
  assert_int_equal(dw__net_start(n, &public_policy, &rq, on_done, &b, NULL, NULL, 0), 0);
  drain(n, 10000);
  assert_int_equal(b.calls, 1);
  if (b.err != DW_E_OUTBOUND_BLOCKED) fail_msg("%d %s %s", b.err, b.msg, b.body);
  assert_non_null(strstr(b.msg, "which is a loopback address"));
  dw__net_free(n);
  result_free(&a);
  result_free(&b);
  result_free(&c);
}

static void bad_requests_never_call_back(void **state) {
  result r;
  const char *const crlf[] = {"X-A: b\r\nX-Injected: 1", NULL};
  dw__net_request rq = {.url = url_of("/echo"), .headers = crlf};
  assert_int_equal(fetch(&open_policy, &rq, &r), DW_E_BAD_REQUEST);
  const char *const lf[] = {"X-A: b\nX-Injected: 1", NULL};
  rq.headers = lf;
  assert_int_equal(fetch(&open_policy, &rq, &r), DW_E_BAD_REQUEST);
  dw__net_request m = {.method = "GET /x HTTP/1.1\r\nX:", .url = url_of("/echo")};
  assert_int_equal(fetch(&open_policy, &m, &r), DW_E_BAD_REQUEST);
  const char *schemes[] = {"ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1/",
                           "dict://127.0.0.1/", "scp://127.0.0.1/x"};
  for (size_t i = 0; i < DW_ARRAY_LEN(schemes); i++) {
    dw__net_request s = {.url = schemes[i]};
    assert_int_equal(fetch(&open_policy, &s, &r), DW_E_BAD_REQUEST);
    assert_non_null(strstr(r.msg, "only http: and https:"));
  }
  dw__net_request nobody = {.url = url_of("/echo"), .body_len = 3};
  assert_int_equal(fetch(&open_policy, &nobody, &r), DW_E_BAD_REQUEST);
}

static void cancel_means_no_callback(void **state) {
  dw__net *n = dw__net_new();
  result a = {0}, b = {0};
  uint64_t ia, ib;
  dw__net_request slow = {.url = url_of("/slow")};
  assert_int_equal(dw__net_start(n, &open_policy, &slow, on_done, &a, &ia, NULL, 0), 0);
  assert_int_equal(dw__net_poll(n, 100), 1);
  dw__net_cancel(n, ia);
  assert_int_equal(dw__net_in_flight(n), 0);
  dw__net_cancel(n, ia);      /* twice: ignored */
  dw__net_cancel(n, 9999999); /* unknown: ignored */
  assert_int_equal(dw__net_poll(n, 100), 0);
  assert_int_equal(a.calls, 0);
  /* From inside a callback: the first to finish cancels the other. */
  dw__net_request echo = {.url = url_of("/echo")};
  assert_int_equal(dw__net_start(n, &open_policy, &echo, on_done, &a, &ia, NULL, 0), 0);
  assert_int_equal(dw__net_start(n, &open_policy, &echo, on_done, &b, &ib, NULL, 0), 0);
  a.net = b.net = n;
  a.cancel_id = ib;
  b.cancel_id = ia;
  drain(n, 10000);
  assert_int_equal(a.calls + b.calls, 1);
  result_free(&a);
  result_free(&b);
  /* Freeing the client cancels what is in flight, without callbacks. */
  memset(&a, 0, sizeof a);
  assert_int_equal(dw__net_start(n, &open_policy, &slow, on_done, &a, &ia, NULL, 0), 0);
  assert_int_equal(dw__net_start(n, &open_policy, &slow, on_done, &a, &ia, NULL, 0), 0);
  assert_int_equal(dw__net_poll(n, 50), 2);
  dw__net_free(n);
  assert_int_equal(a.calls, 0);
  result_free(&a);
}

static void free_inside_callback(void *user, int err, const char *message,
                                 const dw__net_response *res) {
  dw__net_free(user);
}

/* Freeing the client from inside its own callback is the caller's bug: an abort that names
 * it, not a use after free. */
static void freeing_from_a_callback_is_a_bug(void **state) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(2); /* DW_BUG's message is expected */
    dw__net *n = dw__net_new();
    dw__net_request rq = {.url = url_of("/echo")};
    if (dw__net_start(n, &open_policy, &rq, free_inside_callback, n, NULL, NULL, 0)) _exit(3);
    for (int i = 0; i < 200; i++) dw__net_poll(n, 50);
    _exit(0);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFSIGNALED(st));
  assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void many_concurrent_requests(void **state) {
  enum { N = 200 };
  dw__net *n = dw__net_new();
  result *rs = calloc(N, sizeof *rs);
  char path[32];
  for (int i = 0; i < N; i++) {
    snprintf(path, sizeof path, "/big/%d", i * 10);
    dw__net_request rq = {.url = url_of(path)};
    assert_int_equal(dw__net_start(n, &open_policy, &rq, on_done, &rs[i], NULL, NULL, 0), 0);
  }
  assert_int_equal(dw__net_in_flight(n), N);
  drain(n, 60000);
  assert_int_equal(dw__net_in_flight(n), 0);
  for (int i = 0; i < N; i++) {
    if (rs[i].calls != 1 || rs[i].err != 0) fail_msg("%d: %d calls, %s", i, rs[i].calls, rs[i].msg);
    assert_int_equal(rs[i].status, 200);
    assert_int_equal(rs[i].body_len, (size_t)i * 10);
    result_free(&rs[i]);
  }
  free(rs);
  dw__net_free(n);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(address_classifier),
      cmocka_unit_test(url_checks),
      cmocka_unit_test(method_and_header_checks),
      cmocka_unit_test(get_round_trip),
      cmocka_unit_test(post_round_trip),
      cmocka_unit_test(proxies_from_the_environment_are_ignored),
      cmocka_unit_test(injected_headers_replace_the_workers),
      cmocka_unit_test(redirects_are_returned_not_followed),
      cmocka_unit_test(responses_over_their_caps_fail),
      cmocka_unit_test(requests_over_their_caps_are_refused),
      cmocka_unit_test(a_slow_server_times_out),
      cmocka_unit_test(private_destinations_are_refused),
      cmocka_unit_test(a_reused_connection_is_checked_again),
      cmocka_unit_test(bad_requests_never_call_back),
      cmocka_unit_test(cancel_means_no_callback),
      cmocka_unit_test(freeing_from_a_callback_is_a_bug),
      cmocka_unit_test(many_concurrent_requests),
  };
  return cmocka_run_group_tests(tests, server_start, server_stop);
}
