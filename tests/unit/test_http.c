/* Unit tests of src/http: the HTTP API driven in-process through libevent's HTTP client on the
 * same loop, against a test double of the supervisor (fake_sup.c) and the store on a temp dir.
 * What each test would catch is in its name. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include "http/defs.h"
#include "http/http.h"

typedef struct {
  struct event_base *base;
  dw__store *store;
  dw__http *h;
  uint16_t port;
  char dir[64];
  bool drained;
} env;

typedef struct {
  bool done;
  int status;
  char *body;
  size_t len;
  char retry_after[32], allow[128], xerr[64], ctype[128], echo_method[16], conn_hdr[32];
} resp;

static env *setup(const dw__http_config *extra) {
  env *e = calloc(1, sizeof *e);
  e->base = event_base_new();
  snprintf(e->dir, sizeof e->dir, "/tmp/dw-test-http-XXXXXX");
  assert_non_null(mkdtemp(e->dir));
  char why[256];
  assert_int_equal(dw__store_open(e->dir, &e->store, why, sizeof why), 0);
  dw__http_config cfg = extra ? *extra : (dw__http_config){0};
  cfg.base = e->base;
  cfg.store = e->store;
  cfg.sup.executors = 2;
  assert_int_equal(dw__http_new(&cfg, &e->h, why, sizeof why), 0);
  assert_int_equal(dw__http_listen(e->h, "127.0.0.1", 0, &e->port, why, sizeof why), 0);
  assert_true(e->port > 0);
  return e;
}

static void teardown_env(env *e) {
  dw__http_free(e->h);
  dw__store_close(e->store);
  event_base_free(e->base);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
  assert_int_equal(system(cmd), 0);
  free(e);
}

static void copy_header(struct evhttp_request *req, const char *name, char *dst, size_t n) {
  const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
  snprintf(dst, n, "%s", v ? v : "");
}

static void on_response(struct evhttp_request *req, void *arg) {
  resp *r = arg;
  r->done = true;
  if (!req) {
    r->status = -1;
    return;
  }
  r->status = evhttp_request_get_response_code(req);
  struct evbuffer *b = evhttp_request_get_input_buffer(req);
  r->len = evbuffer_get_length(b);
  r->body = calloc(1, r->len + 1);
  evbuffer_remove(b, r->body, r->len);
  copy_header(req, "Retry-After", r->retry_after, sizeof r->retry_after);
  copy_header(req, "Allow", r->allow, sizeof r->allow);
  copy_header(req, "X-Dynworker-Error", r->xerr, sizeof r->xerr);
  copy_header(req, "Content-Type", r->ctype, sizeof r->ctype);
  copy_header(req, "x-echo-method", r->echo_method, sizeof r->echo_method);
  copy_header(req, "Connection", r->conn_hdr, sizeof r->conn_hdr);
}

static void run_until(env *e, const bool *flag) {
  uint64_t deadline = dw__now_ns() + 10000000000ull;
  while (!*flag) {
    assert_true(dw__now_ns() < deadline);
    event_base_loop(e->base, EVLOOP_ONCE);
  }
}

/* Sends a request on `conn` (NULL: a new connection, closed afterwards). Headers are
 * "Name: value" strings, NULL-terminated. Does not wait when `wait` is false. */
static void send_req(env *e, struct evhttp_connection *conn, enum evhttp_cmd_type m,
                     const char *path, const char *const *headers, const char *body,
                     size_t body_len, resp *r) {
  memset(r, 0, sizeof *r);
  struct evhttp_request *req = evhttp_request_new(on_response, r);
  struct evkeyvalq *out = evhttp_request_get_output_headers(req);
  evhttp_add_header(out, "Host", "example.test");
  for (size_t i = 0; headers && headers[i]; i++) {
    char name[128];
    const char *colon = strchr(headers[i], ':');
    snprintf(name, sizeof name, "%.*s", (int)(colon - headers[i]), headers[i]);
    evhttp_add_header(out, name, colon + 2);
  }
  if (body) evbuffer_add(evhttp_request_get_output_buffer(req), body, body_len);
  assert_int_equal(evhttp_make_request(conn, req, m, path), 0);
}

static resp call(env *e, enum evhttp_cmd_type m, const char *path, const char *const *headers,
                 const char *body) {
  struct evhttp_connection *conn = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port);
  resp r;
  send_req(e, conn, m, path, headers, body, body ? strlen(body) : 0, &r);
  run_until(e, &r.done);
  evhttp_connection_free(conn);
  return r;
}

static json_t *body_json(const resp *r) {
  json_t *v = json_loadb(r->body, r->len, 0, NULL);
  if (!v) fprintf(stderr, "not JSON (%d): %s\n", r->status, r->body);
  assert_non_null(v);
  return v;
}

/* An error reply: its status and code, and a message that mentions `needle`. */
static void assert_error(const resp *r, int status, const char *code, const char *needle) {
  if (r->status != status) fprintf(stderr, "got %d: %s\n", r->status, r->body);
  assert_int_equal(r->status, status);
  json_t *v = body_json(r);
  json_t *err = json_object_get(v, "error");
  assert_string_equal(json_string_value(json_object_get(err, "code")), code);
  const char *msg = json_string_value(json_object_get(err, "message"));
  assert_non_null(msg);
  if (needle && !strstr(msg, needle)) fprintf(stderr, "message: %s\n", msg);
  if (needle) assert_non_null(strstr(msg, needle));
  json_decref(v);
}

static void free_resp(resp *r) { free(r->body); }

#define HELLO "{\"code\":\"export default () => 1 + 1\"}"

static void run_shorthand_answers_the_result_object(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, "{\"code\":\"x\",\"args\":[1,2]}");
  assert_int_equal(r.status, 200);
  json_t *v = body_json(&r);
  assert_true(json_is_true(json_object_get(v, "ok")));
  json_t *res = json_object_get(v, "result");
  assert_string_equal(json_string_value(json_object_get(res, "kind")), "run");
  assert_string_equal(json_string_value(json_object_get(res, "tenant")), "default");
  assert_int_equal(json_array_size(json_object_get(res, "args")), 2);
  assert_non_null(strstr(r.ctype, "application/json"));
  json_decref(v);
  free_resp(&r);
  /* A worker that threw is still 200: the error is in the body. */
  r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, "{\"code\":\"__throw__\"}");
  assert_int_equal(r.status, 200);
  v = body_json(&r);
  assert_true(json_is_false(json_object_get(v, "ok")));
  assert_string_equal(json_string_value(json_object_get(json_object_get(v, "error"), "code")),
                      "uncaught_exception");
  json_decref(v);
  free_resp(&r);
  teardown_env(e);
}

static void default_limits_are_filled_in(void **state) {
  json_t *lim = json_pack("{s:i}", "cpuMs", 77);
  dw__http_config cfg = {.default_limits = lim};
  env *e = setup(&cfg);
  json_decref(lim);
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO);
  json_t *v = body_json(&r);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "result"), "limits")), 77);
  json_decref(v);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL,
           "{\"code\":\"x\",\"limits\":{\"cpuMs\":5}}");
  v = body_json(&r);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "result"), "limits")), 5);
  json_decref(v);
  free_resp(&r);
  teardown_env(e);
}

static void bad_requests_are_400_naming_the_field(void **state) {
  env *e = setup(NULL);
  static const struct {
    const char *body, *field;
  } cases[] = {
      {"{not json", "body"},
      {"[1]", "body"},
      {"{\"code\":1}", "code"},
      {"{\"code\":\"x\",\"language\":\"py\"}", "language"},
      {"{\"code\":\"x\",\"args\":{}}", "args"},
      {"{\"code\":\"x\",\"args\":[],\"request\":{}}", "args"},
      {"{\"code\":\"x\",\"request\":{\"url\":\"ftp://x\"}}", "request.url"},
      {"{\"code\":\"x\",\"request\":{\"headers\":5}}", "request.headers"},
      {"{\"code\":\"x\",\"request\":{\"body\":5}}", "request.body"},
      {"{\"code\":\"x\",\"request\":{\"bogus\":5}}", "request.bogus"},
      {"{\"modules\":{}}", "mainModule"},
      {"{\"mainModule\":\"a.js\",\"modules\":{}}", "modules"},
      {"{\"code\":\"x\",\"env\":[]}", "env"},
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(cases); i++) {
    resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, cases[i].body);
    assert_error(&r, 400, "bad_request", cases[i].field);
    free_resp(&r);
  }
  resp r = call(e, EVHTTP_REQ_PUT, "/v1/workers/bad%20id", NULL, HELLO);
  assert_error(&r, 400, "bad_request", "id");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers?limit=0", NULL, NULL);
  assert_error(&r, 400, "bad_request", "limit");
  free_resp(&r);
  teardown_env(e);
}

static void auth_needs_the_bearer_token(void **state) {
  dw__http_token toks[] = {{"s3cret", NULL}, {"tok-acme", "acme"}};
  dw__http_config cfg = {.tokens = toks, .ntokens = 2};
  env *e = setup(&cfg);
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO);
  assert_error(&r, 401, "unauthorized", "Bearer");
  free_resp(&r);
  const char *wrong[] = {"Authorization: Bearer s3cre", NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/run", wrong, HELLO);
  assert_error(&r, 401, "unauthorized", NULL);
  free_resp(&r);
  const char *longer[] = {"Authorization: Bearer s3cret!", NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/run", longer, HELLO);
  assert_error(&r, 401, "unauthorized", NULL);
  free_resp(&r);
  const char *right[] = {"Authorization: Bearer s3cret", "X-Dynworker-Tenant: t1", NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/run", right, HELLO);
  assert_int_equal(r.status, 200);
  json_t *v = body_json(&r);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(v, "result"), "tenant")), "t1");
  json_decref(v);
  free_resp(&r);
  /* A token bound to a tenant selects it; naming another tenant is refused. */
  const char *bound[] = {"Authorization: Bearer tok-acme", NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/run", bound, HELLO);
  v = body_json(&r);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(v, "result"), "tenant")), "acme");
  json_decref(v);
  free_resp(&r);
  const char *other[] = {"Authorization: Bearer tok-acme", "X-Dynworker-Tenant: t1", NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/run", other, HELLO);
  assert_error(&r, 401, "unauthorized", "tenant");
  free_resp(&r);
  /* /mcp needs the token too; with it, and no Code Mode configured, 404 saying how. */
  r = call(e, EVHTTP_REQ_POST, "/mcp", NULL, "{}");
  assert_error(&r, 401, "unauthorized", NULL);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/mcp", right, "{}");
  assert_error(&r, 404, "not_found", "--mcp-config");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/mcp", right, NULL);
  assert_int_equal(r.status, 405);
  free_resp(&r);
  /* /healthz and /metrics are open (for probes and scrapers). */
  r = call(e, EVHTTP_REQ_GET, "/healthz", NULL, NULL);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  teardown_env(e);
}

static void tenant_header_is_validated(void **state) {
  env *e = setup(NULL);
  const char *bad[] = {"X-Dynworker-Tenant: a/b", NULL};
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", bad, HELLO);
  assert_error(&r, 400, "bad_request", "X-Dynworker-Tenant");
  free_resp(&r);
  char longname[100] = "X-Dynworker-Tenant: ";
  memset(longname + strlen(longname), 'a', 65);
  const char *toolong[] = {longname, NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/run", toolong, HELLO);
  assert_error(&r, 400, "bad_request", "X-Dynworker-Tenant");
  free_resp(&r);
  /* Tenants do not see each other's workers. */
  const char *ta[] = {"X-Dynworker-Tenant: a", NULL}, *tb[] = {"X-Dynworker-Tenant: b", NULL};
  r = call(e, EVHTTP_REQ_PUT, "/v1/workers/w", ta, HELLO);
  assert_int_equal(r.status, 201);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/w", tb, NULL);
  assert_error(&r, 404, "worker_not_found", "w");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/w", ta, NULL);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  teardown_env(e);
}

static void workers_crud_and_listing(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_PUT, "/v1/workers/w1", NULL, HELLO);
  assert_int_equal(r.status, 201);
  json_t *v = body_json(&r);
  assert_int_equal(json_integer_value(json_object_get(v, "rev")), 1);
  json_decref(v);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_PUT, "/v1/workers/w1", NULL, HELLO);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  for (int i = 2; i <= 5; i++) {
    char path[64];
    snprintf(path, sizeof path, "/v1/workers/w%d", i);
    r = call(e, EVHTTP_REQ_PUT, path, NULL, HELLO);
    assert_int_equal(r.status, 201);
    free_resp(&r);
  }
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/w1", NULL, NULL);
  assert_int_equal(r.status, 200);
  v = body_json(&r);
  assert_string_equal(json_string_value(json_object_get(v, "id")), "w1");
  assert_int_equal(json_integer_value(json_object_get(v, "rev")), 2);
  assert_true(json_is_object(json_object_get(v, "code")));
  assert_true(json_is_null(json_object_get(v, "lastUsed")));
  assert_true(json_integer_value(json_object_get(v, "size")) > 0);
  json_decref(v);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers?limit=2", NULL, NULL);
  v = body_json(&r);
  assert_int_equal(json_array_size(json_object_get(v, "workers")), 2);
  assert_string_equal(json_string_value(json_object_get(v, "next")), "w2");
  json_decref(v);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers?after=w2&limit=10", NULL, NULL);
  v = body_json(&r);
  assert_int_equal(json_array_size(json_object_get(v, "workers")), 3);
  assert_true(json_is_null(json_object_get(v, "next")));
  json_decref(v);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_DELETE, "/v1/workers/w1", NULL, NULL);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_DELETE, "/v1/workers/w1", NULL, NULL);
  assert_error(&r, 404, "worker_not_found", "w1");
  free_resp(&r);
  teardown_env(e);
}

static void unknown_routes_and_methods(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_GET, "/v2/nothing", NULL, NULL);
  assert_error(&r, 404, "not_found", "/v2/nothing");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v2/\xff\xfe", NULL, NULL); /* still a JSON error */
  assert_error(&r, 404, "not_found", "/v2/");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/run", NULL, NULL);
  assert_int_equal(r.status, 405);
  assert_string_equal(r.allow, "POST");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_PATCH, "/v1/workers/x", NULL, NULL);
  assert_int_equal(r.status, 405);
  assert_non_null(strstr(r.allow, "DELETE"));
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/workers/nope/fetch", NULL, "x");
  assert_error(&r, 404, "worker_not_found", "nope");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/workers/nope/rpc/default/add", NULL, "[]");
  assert_error(&r, 404, "worker_not_found", "nope");
  free_resp(&r);
  teardown_env(e);
}

static void fetch_hands_the_request_over_and_returns_the_response(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_PUT, "/v1/workers/f", NULL, HELLO);
  free_resp(&r);
  const char *hdrs[] = {"Authorization: Bearer x", "X-Dynworker-Tenant: default",
                        "X-Custom: 1", NULL};
  r = call(e, EVHTTP_REQ_POST, "/v1/workers/f/fetch/a/b?q=1", hdrs, "payload");
  assert_int_equal(r.status, 200);
  assert_string_equal(r.ctype, "text/plain");
  assert_string_equal(r.echo_method, "POST");
  assert_string_not_equal(r.conn_hdr, "x-hop"); /* the worker's hop-by-hop header is dropped */
  assert_non_null(strstr(r.body, "POST http://example.test/a/b?q=1\n"));
  assert_non_null(strstr(r.body, "X-Custom;"));
  assert_null(strstr(r.body, "Authorization"));
  assert_null(strstr(r.body, "X-Dynworker"));
  assert_non_null(strstr(r.body, "\npayload"));
  free_resp(&r);
  /* A header value that is not UTF-8 reaches the worker as ISO-8859-1, not dropped. */
  const char *latin1[] = {"X-Latin: caf\xe9", NULL};
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/f/fetch", latin1, NULL);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "GET http://example.test/\n"));
  assert_non_null(strstr(r.body, "X-Latin;"));
  free_resp(&r);
  /* Invocations are counted in the store. */
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/f", NULL, NULL);
  json_t *v = body_json(&r);
  assert_int_equal(json_integer_value(json_object_get(v, "invocations")), 2);
  assert_true(json_is_integer(json_object_get(v, "lastUsed")));
  json_decref(v);
  free_resp(&r);
  /* A worker failure: 500, the result object, X-Dynworker-Error. */
  r = call(e, EVHTTP_REQ_PUT, "/v1/workers/t", NULL, "{\"code\":\"__throw__\"}");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/t/fetch/", NULL, NULL);
  assert_int_equal(r.status, 500);
  assert_string_equal(r.xerr, "uncaught_exception");
  v = body_json(&r);
  assert_true(json_is_false(json_object_get(v, "ok")));
  json_decref(v);
  free_resp(&r);
  teardown_env(e);
}

static void rpc_returns_result_or_error(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_PUT, "/v1/workers/r", NULL, HELLO);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/workers/r/rpc/Api/add", NULL, "[1,2]");
  assert_int_equal(r.status, 200);
  json_t *v = body_json(&r);
  json_t *res = json_object_get(v, "result");
  assert_string_equal(json_string_value(json_object_get(res, "method")), "add");
  assert_string_equal(json_string_value(json_object_get(res, "entrypoint")), "Api");
  json_decref(v);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/workers/r/rpc/Api/add", NULL, "{}");
  assert_error(&r, 400, "bad_request", "array");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_PUT, "/v1/workers/t", NULL, "{\"code\":\"__throw__\"}");
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/workers/t/rpc/default/x", NULL, "[]");
  assert_int_equal(r.status, 500);
  v = body_json(&r);
  json_t *err = json_object_get(v, "error");
  assert_string_equal(json_string_value(json_object_get(err, "code")), "uncaught_exception");
  assert_string_equal(json_string_value(json_object_get(err, "name")), "Error");
  assert_non_null(json_object_get(err, "stack"));
  json_decref(v);
  free_resp(&r);
  teardown_env(e);
}

static void body_over_the_cap_is_413(void **state) {
  dw__http_config cfg = {.max_body_bytes = 1024};
  env *e = setup(&cfg);
  char big[4096];
  memset(big, ' ', sizeof big - 1);
  big[sizeof big - 1] = 0;
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, big);
  /* evhttp refuses it before our handler runs (its own page; docs/OPERATIONS.md). */
  assert_int_equal(r.status, 413);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO); /* the server still works */
  assert_int_equal(r.status, 200);
  free_resp(&r);
  teardown_env(e);
}

static void overload_is_503_with_retry_after(void **state) {
  dw__http_config cfg = {.max_concurrent = 2, .retry_after_s = 3};
  env *e = setup(&cfg);
  /* The supervisor refuses. */
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, "{\"code\":\"__overloaded__\"}");
  assert_error(&r, 503, "overloaded", NULL);
  assert_string_equal(r.retry_after, "3");
  free_resp(&r);
  /* An executor was lost: 503, retriable, the supervisor's delay. */
  r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, "{\"code\":\"__lost__\"}");
  assert_error(&r, 503, "executor_lost", NULL);
  assert_string_equal(r.retry_after, "2");
  free_resp(&r);
  /* Past max_concurrent requests at once. */
  const char *slow = "{\"code\":\"__slow__\"}";
  struct evhttp_connection *c1 = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port),
                           *c2 = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port);
  resp r1, r2;
  send_req(e, c1, EVHTTP_REQ_POST, "/v1/run", NULL, slow, strlen(slow), &r1);
  send_req(e, c2, EVHTTP_REQ_POST, "/v1/run", NULL, slow, strlen(slow), &r2);
  for (int i = 0; i < 20; i++) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(2000);
  r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO);
  assert_error(&r, 503, "overloaded", "at once");
  assert_string_equal(r.retry_after, "3");
  free_resp(&r);
  run_until(e, &r1.done);
  run_until(e, &r2.done);
  assert_int_equal(r1.status, 200);
  assert_int_equal(r2.status, 200);
  free_resp(&r1);
  free_resp(&r2);
  evhttp_connection_free(c1);
  evhttp_connection_free(c2);
  teardown_env(e);
}

typedef struct {
  char buf[8192];
  size_t len;
} sse;

static void on_chunk(struct evhttp_request *req, void *arg) {
  sse *s = arg;
  struct evbuffer *b = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(b);
  if (n > sizeof s->buf - 1 - s->len) n = sizeof s->buf - 1 - s->len;
  evbuffer_remove(b, s->buf + s->len, n);
  s->len += n;
  evbuffer_drain(b, evbuffer_get_length(b));
}

static void on_sse_done(struct evhttp_request *req, void *arg) {}

static void tail_delivers_an_event(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_GET, "/v1/workers/nope/tail", NULL, NULL);
  assert_error(&r, 404, "worker_not_found", NULL);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_PUT, "/v1/workers/tw", NULL, HELLO);
  free_resp(&r);
  struct evhttp_connection *sc = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port);
  sse s = {{0}, 0};
  struct evhttp_request *req = evhttp_request_new(on_sse_done, &s);
  evhttp_request_set_chunked_cb(req, on_chunk);
  evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "x");
  assert_int_equal(evhttp_make_request(sc, req, EVHTTP_REQ_GET, "/v1/workers/tw/tail"), 0);
  uint64_t deadline = dw__now_ns() + 5000000000ull;
  while (!strstr(s.buf, ": tail")) {
    assert_true(dw__now_ns() < deadline);
    event_base_loop(e->base, EVLOOP_ONCE);
  }
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/tw/fetch/x", NULL, NULL);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  while (!strstr(s.buf, "\n\n") || !strstr(s.buf, "data: ") ||
         !strstr(strstr(s.buf, "data: "), "\n\n")) {
    assert_true(dw__now_ns() < deadline);
    event_base_loop(e->base, EVLOOP_ONCE);
  }
  char *d = strstr(s.buf, "data: ") + 6;
  *strstr(d, "\n\n") = 0;
  json_t *v = json_loads(d, 0, NULL);
  assert_non_null(v);
  assert_string_equal(json_string_value(json_object_get(v, "outcome")), "ok");
  assert_true(json_is_array(json_object_get(v, "logs")));
  assert_true(json_is_array(json_object_get(v, "exceptions")));
  assert_true(json_is_number(json_object_get(v, "cpuMs")));
  assert_true(json_is_number(json_object_get(v, "wallMs")));
  assert_true(json_is_number(json_object_get(v, "ts")));
  json_decref(v);
  evhttp_connection_free(sc);
  teardown_env(e);
}

/* Subscribers that go away, and one that never reads: the server notices at the next write,
 * forgets them (the subscriber cap frees up), and stays healthy (the sanitizer build checks
 * the close paths). */
static void tail_subscribers_that_leave_or_lag(void **state) {
  dw__http_config cfg = {.tail_keepalive_ms = 20, .tail_max_subscribers = 2,
                         .tail_max_backlog = 4096};
  env *e = setup(&cfg);
  resp r = call(e, EVHTTP_REQ_PUT, "/v1/workers/tw", NULL, "{\"code\":\"__biglogs__\"}");
  free_resp(&r);
  int fds[2];
  for (int i = 0; i < 2; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(e->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int small = 4096;
    setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    assert_int_equal(connect(fds[i], (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] = "GET /v1/workers/tw/tail HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fds[i], req, sizeof req - 1), (ssize_t)(sizeof req - 1));
  }
  for (int j = 0; j < 50; j++) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(1000);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/tw/tail", NULL, NULL); /* a third: over the cap */
  assert_error(&r, 503, "overloaded", "tail");
  free_resp(&r);
  close(fds[0]); /* one leaves; the other never reads */
  for (int i = 0; i < 150; i++) { /* ~10 MB of events: more than the kernel's buffers */
    r = call(e, EVHTTP_REQ_GET, "/v1/workers/tw/fetch", NULL, NULL);
    assert_int_equal(r.status, 200);
    free_resp(&r);
  }
  uint64_t until = dw__now_ns() + 300000000ull;
  while (dw__now_ns() < until) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(1000);
  r = call(e, EVHTTP_REQ_GET, "/metrics", NULL, NULL);
  if (!strstr(r.body, "dynworker_tail_subscribers 0\n")) fprintf(stderr, "%s", r.body);
  assert_non_null(strstr(r.body, "dynworker_tail_subscribers 0\n"));
  assert_non_null(strstr(r.body, "dynworker_tail_dropped_total 1\n"));
  free_resp(&r);
  close(fds[1]);
  teardown_env(e);
}

static void metrics_have_the_families(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/nothing", NULL, NULL);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/metrics", NULL, NULL);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.ctype, "text/plain"));
  static const char *want[] = {
      "# TYPE dynworker_invocations_total counter\n",
      "dynworker_invocations_total{kind=\"run\",outcome=\"ok\"} 1\n",
      "# TYPE dynworker_invocation_duration_seconds histogram\n",
      "dynworker_invocation_duration_seconds_bucket{kind=\"run\",le=\"+Inf\"} 1\n",
      "dynworker_invocation_duration_seconds_count{kind=\"run\"} 1\n",
      "dynworker_http_requests_total{code=\"200\"} 1\n",
      "dynworker_http_requests_total{code=\"404\"} 1\n",
      "dynworker_live_sandboxes 3\n",
      "dynworker_executor_memory_bytes 123456\n",
      "# TYPE dynworker_executor_restarts_total counter\n",
      "dynworker_executors 2\n",
      "dynworker_queue_depth 0\n",
      "dynworker_inflight 0\n",
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(want); i++) {
    if (!strstr(r.body, want[i])) fprintf(stderr, "missing: %s\n%s", want[i], r.body);
    assert_non_null(strstr(r.body, want[i]));
  }
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/healthz", NULL, NULL);
  json_t *v = body_json(&r);
  assert_true(json_is_true(json_object_get(v, "ok")));
  assert_int_equal(json_integer_value(json_object_get(v, "executors")), 2);
  json_decref(v);
  free_resp(&r);
  teardown_env(e);
}

static void on_drained(void *arg) { ((env *)arg)->drained = true; }

static void drain_answers_503_then_completes(void **state) {
  env *e = setup(NULL);
  /* A keep-alive connection that has served a request already. */
  struct evhttp_connection *ka = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port);
  resp r;
  send_req(e, ka, EVHTTP_REQ_GET, "/healthz", NULL, NULL, 0, &r);
  run_until(e, &r.done);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  /* A slow request in flight. */
  struct evhttp_connection *sc = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port);
  resp slow;
  const char *sb = "{\"code\":\"__slow__\"}";
  send_req(e, sc, EVHTTP_REQ_POST, "/v1/run", NULL, sb, strlen(sb), &slow);
  for (int i = 0; i < 20; i++) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(2000);
  dw__http_drain(e->h, 5000, on_drained, e);
  assert_false(e->drained);
  send_req(e, ka, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO, strlen(HELLO), &r);
  run_until(e, &r.done);
  assert_error(&r, 503, "overloaded", "shutting down");
  assert_string_equal(r.conn_hdr, "close");
  free_resp(&r);
  run_until(e, &slow.done);
  assert_int_equal(slow.status, 200);
  free_resp(&slow);
  run_until(e, &e->drained);
  /* The listener is closed: a new connection is refused. */
  r = call(e, EVHTTP_REQ_GET, "/healthz", NULL, NULL);
  assert_true(r.status <= 0);
  free_resp(&r);
  evhttp_connection_free(ka);
  evhttp_connection_free(sc);
  teardown_env(e);
}

static void a_slow_answer_outlives_the_connection_timeout(void **state) {
  dw__http_config cfg = {.timeout_s = 1};
  env *e = setup(&cfg);
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, "{\"code\":\"__veryslow__\"}");
  assert_int_equal(r.status, 200);
  free_resp(&r);
  teardown_env(e);
}

/* A client that goes away while its invocation runs: nothing is answered on a freed request
 * (the sanitizer build would see it), and the server keeps working. */
static void a_client_that_leaves_early(void **state) {
  env *e = setup(NULL);
  for (int i = 0; i < 3; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(e->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] = "POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 19\r\n\r\n"
                              "{\"code\":\"__slow__\"}";
    assert_int_equal(write(fd, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
    for (int j = 0; j < 20; j++) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(1000);
    close(fd);
  }
  uint64_t until = dw__now_ns() + 500000000ull;
  while (dw__now_ns() < until) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(1000);
  resp r = call(e, EVHTTP_REQ_POST, "/v1/run", NULL, HELLO);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  teardown_env(e);
}

/* The cache of definitions never serves a replaced or deleted worker. */
static void replaced_and_deleted_workers_are_not_served_from_the_cache(void **state) {
  env *e = setup(NULL);
  resp r = call(e, EVHTTP_REQ_PUT, "/v1/workers/c", NULL, HELLO);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/c/fetch", NULL, NULL);
  assert_int_equal(r.status, 200);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_PUT, "/v1/workers/c", NULL, "{\"code\":\"__throw__\"}");
  assert_int_equal(r.status, 200);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/c/fetch", NULL, NULL);
  assert_int_equal(r.status, 500);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_DELETE, "/v1/workers/c", NULL, NULL);
  free_resp(&r);
  r = call(e, EVHTTP_REQ_GET, "/v1/workers/c/fetch", NULL, NULL);
  assert_error(&r, 404, "worker_not_found", NULL);
  free_resp(&r);
  teardown_env(e);
}

static void defs_cache_is_bounded_and_lru(void **state) {
  dw__defs *d = dw__defs_new(2, 100);
  json_t *a = json_string("a"), *b = json_string("b"), *c = json_string("c");
  uint64_t rev = 0;
  dw__defs_put(d, "t", "a", a, 1, 10);
  dw__defs_put(d, "t", "b", b, 2, 10);
  assert_ptr_equal(dw__defs_get(d, "t", "a", &rev), a); /* a is now the most recent */
  assert_int_equal(rev, 1);
  dw__defs_put(d, "t", "c", c, 3, 10); /* over 2 entries: b (least recent) goes */
  assert_null(dw__defs_get(d, "t", "b", &rev));
  assert_non_null(dw__defs_get(d, "t", "a", &rev));
  assert_non_null(dw__defs_get(d, "u", "c", &rev) == NULL ? c : NULL); /* tenants differ */
  dw__defs_put(d, "t", "big", a, 4, 101); /* over the byte cap on its own: not cached */
  assert_null(dw__defs_get(d, "t", "big", &rev));
  dw__defs_put(d, "t", "x", b, 5, 95); /* evicts until the bytes fit */
  assert_non_null(dw__defs_get(d, "t", "x", &rev));
  assert_null(dw__defs_get(d, "t", "a", &rev));
  assert_null(dw__defs_get(d, "t", "c", &rev));
  dw__defs_drop(d, "t", "x");
  assert_null(dw__defs_get(d, "t", "x", &rev));
  dw__defs_free(d);
  json_decref(a);
  json_decref(b);
  json_decref(c);
}

/* An invocation still running when the grace ends is answered (executor_lost), and the drain
 * is over only once that answer has left: freeing the server right after (as dynworker
 * serve does) must not drop it. */
static void drain_grace_answers_before_it_completes(void **state) {
  env *e = setup(NULL);
  struct evhttp_connection *sc = evhttp_connection_base_new(e->base, NULL, "127.0.0.1", e->port);
  resp slow;
  const char *sb = "{\"code\":\"__veryslow__\"}";
  send_req(e, sc, EVHTTP_REQ_POST, "/v1/run", NULL, sb, strlen(sb), &slow);
  for (int i = 0; i < 20; i++) event_base_loop(e->base, EVLOOP_NONBLOCK), usleep(2000);
  dw__http_drain(e->h, 200, on_drained, e);
  run_until(e, &e->drained);
  dw__http_free(e->h);
  e->h = NULL;
  run_until(e, &slow.done);
  assert_error(&slow, 503, "executor_lost", NULL);
  free_resp(&slow);
  evhttp_connection_free(sc);
  teardown_env(e);
}

static void routes_text_lists_every_route(void **state) {
  const char *t = dw__http_routes_text();
  assert_non_null(strstr(t, "POST /v1/run\n"));
  assert_non_null(strstr(t, "ANY /v1/workers/{id}/fetch/{path...}\n"));
  assert_non_null(strstr(t, "GET /metrics\n"));
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* a client that left: an EPIPE, not the end of the test */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(run_shorthand_answers_the_result_object),
      cmocka_unit_test(default_limits_are_filled_in),
      cmocka_unit_test(bad_requests_are_400_naming_the_field),
      cmocka_unit_test(auth_needs_the_bearer_token),
      cmocka_unit_test(tenant_header_is_validated),
      cmocka_unit_test(workers_crud_and_listing),
      cmocka_unit_test(unknown_routes_and_methods),
      cmocka_unit_test(fetch_hands_the_request_over_and_returns_the_response),
      cmocka_unit_test(rpc_returns_result_or_error),
      cmocka_unit_test(body_over_the_cap_is_413),
      cmocka_unit_test(overload_is_503_with_retry_after),
      cmocka_unit_test(tail_delivers_an_event),
      cmocka_unit_test(tail_subscribers_that_leave_or_lag),
      cmocka_unit_test(metrics_have_the_families),
      cmocka_unit_test(drain_answers_503_then_completes),
      cmocka_unit_test(a_slow_answer_outlives_the_connection_timeout),
      cmocka_unit_test(a_client_that_leaves_early),
      cmocka_unit_test(replaced_and_deleted_workers_are_not_served_from_the_cache),
      cmocka_unit_test(defs_cache_is_bounded_and_lru),
      cmocka_unit_test(drain_grace_answers_before_it_completes),
      cmocka_unit_test(routes_text_lists_every_route),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
