/* Unit tests of src/mcp/server and the pure parts of src/mcp/codemode: JSON-RPC framing, version
 * negotiation, the server over a socket pair with a fake runner (no upstreams, no executors),
 * answers cut to size, stacks rewritten to the model's lines, tool results to values. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/event.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "mcp/codemode.h"
#include "mcp/client.h"
#include "mcp/server.h"

/* ---- framing ------------------------------------------------------------------------- */

static dw__rpc_kind parse(const char *s, json_t **m, json_t **r) { return dw__rpc_parse(s, strlen(s), m, r); }

static void test_parse(void **st) {
  (void)st;
  json_t *m, *r;
  assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &m, &r), DW__RPC_REQUEST);
  json_decref(m);
  assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\",\"params\":{}}", &m, &r), DW__RPC_REQUEST);
  json_decref(m);
  assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m, &r), DW__RPC_NOTIFICATION);
  json_decref(m);
  assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", &m, &r), DW__RPC_RESPONSE);
  json_decref(m);
  assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1,\"message\":\"x\"}}", &m, &r), DW__RPC_RESPONSE);
  json_decref(m);
  struct { const char *in; int code; bool has_id; } bad[] = {
      {"{nope", -32700, false},
      {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600, false},
      {"{\"id\":1,\"method\":\"ping\"}", -32600, true},
      {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -32600, true},
      {"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", -32600, false},
      {"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600, false},
      {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", -32600, true},
      {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":5}", -32600, true},
      {"{\"jsonrpc\":\"2.0\",\"id\":1}", -32600, true},
      {"42", -32700, false}, /* jansson: a bare value is not a JSON text here */
      {"{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}", -32700, false},
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(bad); i++) {
    if (parse(bad[i].in, &m, &r) != DW__RPC_INVALID) fail_msg("accepted: %s", bad[i].in);
    assert_null(m);
    assert_non_null(r);
    json_t *e = json_object_get(r, "error");
    if (json_integer_value(json_object_get(e, "code")) != bad[i].code)
      fail_msg("%s: code %lld", bad[i].in, (long long)json_integer_value(json_object_get(e, "code")));
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_true(bad[i].has_id ? json_is_integer(json_object_get(r, "id")) : json_is_null(json_object_get(r, "id")));
    json_decref(r);
  }
  assert_string_equal(dw__rpc_negotiate("2025-06-18"), "2025-06-18");
  assert_string_equal(dw__rpc_negotiate("2025-03-26"), "2025-03-26");
  assert_string_equal(dw__rpc_negotiate("2024-11-05"), "2024-11-05");
  assert_string_equal(dw__rpc_negotiate("1999-01-01"), "2025-06-18");
  assert_string_equal(dw__rpc_negotiate(NULL), "2025-06-18");
}

/* ---- answers ------------------------------------------------------------------------- */

static void test_answer(void **st) {
  (void)st;
  json_t *res = json_pack("{s:s}", "big", "");
  char *big = malloc(100001);
  memset(big, 'x', 100000);
  big[100000] = 0;
  json_object_set_new(res, "big", json_string(big));
  json_t *logs = json_array();
  for (int i = 0; i < 300; i++) json_array_append_new(logs, json_pack("{s:s, s:s}", "level", i % 2 ? "warn" : "log", "message", "a line of output"));
  json_t *err = json_pack("{s:s, s:s}", "code", "uncaught_exception", "message", "boom");
  json_t *a = dw__cm_answer(res, logs, err, 4000);
  char *s = json_dumps(a, JSON_COMPACT);
  assert_true(strlen(s) <= 4000);
  assert_non_null(strstr(s, "[output truncated: "));
  assert_non_null(strstr(s, " of 100010 bytes]"));
  assert_non_null(strstr(s, "of 300 log lines]"));
  assert_non_null(strstr(s, "\"message\":\"boom\""));
  assert_non_null(strstr(s, "\"[warn] a line of output\""));
  free(s);
  json_decref(a);
  /* Small answers are untouched. */
  json_t *small = json_pack("[i,i]", 1, 2);
  a = dw__cm_answer(small, NULL, NULL, 4000);
  s = json_dumps(a, JSON_COMPACT);
  assert_string_equal(s, "{\"result\":[1,2],\"logs\":[],\"error\":null}");
  free(s);
  json_decref(a);
  /* A cut never splits a UTF-8 sequence. */
  json_t *u = json_string("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
  for (size_t max = 256; max < 300; max++) {
    json_t *big2 = json_array();
    for (int i = 0; i < 20; i++) json_array_append(big2, u);
    a = dw__cm_answer(big2, NULL, NULL, max);
    assert_non_null(a); /* jansson refuses invalid UTF-8: a split sequence would be NULL here */
    assert_true(json_is_string(json_object_get(a, "result")));
    json_decref(a);
    json_decref(big2);
  }
  json_decref(u);
  json_decref(small);
  json_decref(res);
  json_decref(logs);
  json_decref(err);
  free(big);
}

static void test_clean_stack(void **st) {
  (void)st;
  char *s = dw__cm_clean_stack("    at __dw_main (main.ts:3:19)\n    at __dw_main (main.ts:1:133)\n"
                               "    at __dw_default (main.ts:1:104)\n    at f (main.ts:1:150)\n"
                               "    at Error: some message line\n    at runtime (loader.js:5:1)",
                               "main.ts", 140);
  assert_string_equal(s, "    at <code> (main.ts:3:19)\n    at f (main.ts:1:10)");
  free(s);
  s = dw__cm_clean_stack("", "main.js", 10);
  assert_string_equal(s, "");
  free(s);
}

static void test_tool_value(void **st) {
  (void)st;
  char *e;
  json_error_t je;
  struct { const char *in, *want, *err; } cases[] = {
      {"{\"content\":[{\"type\":\"text\",\"text\":\"{\\\"a\\\":1}\"}]}", "{\"a\":1}", NULL},
      {"{\"content\":[{\"type\":\"text\",\"text\":\"plain\"}]}", "\"plain\"", NULL},
      {"{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"structuredContent\":{\"s\":2}}", "{\"s\":2}", NULL},
      {"{\"content\":[{\"type\":\"text\",\"text\":\"1\"},{\"type\":\"text\",\"text\":\"2\"}]}", "\"1\\n2\"", NULL},
      {"{\"content\":[{\"type\":\"image\",\"data\":\"AA\",\"mimeType\":\"image/png\"}]}",
       "[{\"type\":\"image\",\"data\":\"AA\",\"mimeType\":\"image/png\"}]", NULL},
      {"{\"content\":[]}", "null", NULL},
      {"{\"content\":[{\"type\":\"text\",\"text\":\"bad things\"}],\"isError\":true}", NULL, "bad things"},
  };
  for (size_t i = 0; i < DW_ARRAY_LEN(cases); i++) {
    json_t *in = json_loads(cases[i].in, 0, &je);
    assert_non_null(in);
    json_t *v = dw__cm_tool_value(in, &e);
    if (cases[i].err) {
      assert_null(v);
      assert_string_equal(e, cases[i].err);
      free(e);
    } else {
      assert_null(e);
      char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      if (strcmp(s, cases[i].want)) fail_msg("%s -> %s, wanted %s", cases[i].in, s, cases[i].want);
      free(s);
      json_decref(v);
    }
    json_decref(in);
  }
}

static void test_config(void **st) {
  (void)st;
  dw__cm_config c;
  char why[256];
  json_error_t je;
  assert_int_equal(dw__cm_config_parse(NULL, &c, why, sizeof why), 0);
  assert_int_equal(c.wall_ms, 60000);
  assert_int_equal(c.token_budget, 4000);
  dw__cm_config_free(&c);
  json_t *j = json_loads("{\"wallMs\":1000,\"cpuMs\":50,\"memoryMb\":64,\"maxToolCalls\":7,"
                         "\"maxOutputBytes\":1000,\"tokenBudget\":10,\"approval\":[\"a.b\"],"
                         "\"executors\":2,\"toolTimeoutMs\":500,\"connectTimeoutMs\":200}", 0, &je);
  assert_int_equal(dw__cm_config_parse(j, &c, why, sizeof why), 0);
  assert_int_equal(c.max_tool_calls, 7);
  assert_int_equal(c.executors, 2);
  assert_int_equal(json_array_size(c.approval), 1);
  dw__cm_config_free(&c);
  json_decref(j);
  const char *bad[] = {"{\"wallMs\":\"1\"}", "{\"wallMs\":0}", "{\"walMs\":1000}",
                       "{\"approval\":[\"nodot\"]}", "{\"approval\":\"a.b\"}", "[]", "{\"executors\":1000}"};
  for (size_t i = 0; i < DW_ARRAY_LEN(bad); i++) {
    j = json_loads(bad[i], 0, &je);
    why[0] = 0;
    if (dw__cm_config_parse(j, &c, why, sizeof why) != DW_E_BAD_REQUEST) fail_msg("accepted %s", bad[i]);
    assert_true(strstr(why, "codeMode") != NULL || strstr(why, "\"codeMode\"") != NULL);
    json_decref(j);
  }
}

/* ---- the server over a socket pair, with a fake runner ------------------------------------ */

typedef struct {
  struct event_base *base;
  dw__sup_done done;
  void *user;
  int invoked, abandoned;
  json_t *code;
  bool hold; /* keep the run pending (for cancellation) */
} fake;

static void fake_fire(evutil_socket_t fd, short what, void *arg) {
  fake *f = arg;
  if (!f->done) return;
  json_t *res = json_pack("{s:b, s:i, s:[{s:s, s:s}], s:n}", "ok", 1, "result", 42, "logs", "level",
                          "log", "message", "hello", "error");
  dw__sup_outcome o = {.result = res};
  dw__sup_done d = f->done;
  f->done = NULL;
  d(f->user, &o);
  json_decref(res);
}

static int fake_invoke(void *self, const dw__sup_invocation *inv, dw__sup_done done, void *user, uint64_t *id) {
  fake *f = self;
  f->invoked++;
  json_decref(f->code);
  f->code = json_deep_copy(inv->code);
  f->done = done;
  f->user = user;
  *id = 7;
  if (!f->hold) event_base_once(f->base, -1, EV_TIMEOUT, fake_fire, f, NULL);
  return 0;
}
static void fake_abandon(void *self, uint64_t id) { fake *f = self; f->abandoned++; f->done = NULL; }
static void fake_reply(dw__sup_call *call, const json_t *result, const char *error) { (void)call; (void)result; (void)error; }

typedef struct {
  int fd; /* our end */
  struct event_base *base;
  dw_buf in;
  bool closed;
} peer;

static void on_close(void *user) { *(bool *)user = true; }

static void send_line(peer *p, const char *s) {
  size_t n = strlen(s);
  assert_int_equal(write(p->fd, s, n), (ssize_t)n);
  assert_int_equal(write(p->fd, "\n", 1), 1);
}

/* The next message from the server (runs the loop meanwhile), or NULL after 2 s. */
static json_t *recv_msg(peer *p) {
  for (int i = 0; i < 400; i++) {
    char *nl = p->in.len ? memchr(p->in.data, '\n', p->in.len) : NULL;
    if (nl) {
      size_t n = (size_t)(nl - p->in.data);
      json_error_t je;
      json_t *m = json_loadb(p->in.data, n, 0, &je);
      memmove(p->in.data, nl + 1, p->in.len - n - 1);
      p->in.len -= n + 1;
      return m;
    }
    event_base_loop(p->base, EVLOOP_NONBLOCK);
    struct pollfd pf = {.fd = p->fd, .events = POLLIN};
    if (poll(&pf, 1, 5) > 0) {
      char buf[65536];
      ssize_t got = read(p->fd, buf, sizeof buf);
      if (got > 0) assert_int_equal(dw__buf_append(&p->in, buf, (size_t)got), 0);
    }
  }
  return NULL;
}

static json_int_t err_code(json_t *m) { return json_integer_value(json_object_get(json_object_get(m, "error"), "code")); }

static void test_server(void **st) {
  (void)st;
  struct event_base *base = event_base_new();
  fake f = {.base = base};
  dw__cm_runner runner = {.invoke = fake_invoke, .abandon = fake_abandon, .reply = fake_reply, .self = &f};
  json_error_t je;
  json_t *cfg = json_loads("{\"mcpServers\":{},\"codeMode\":{\"wallMs\":1234}}", 0, &je);
  dw__cm *cm;
  char why[256] = "";
  assert_int_equal(dw__cm_new(base, cfg, &runner, &cm, why, sizeof why), 0);
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  bool closed = false;
  dw__mcp_server *s;
  assert_int_equal(dw__mcp_server_new(base, cm, sv[1], sv[1], on_close, &closed, &s), 0);
  peer p = {.fd = sv[0], .base = base};
  dw__buf_init(&p.in, 64 << 20);

  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
  json_t *m = recv_msg(&p);
  assert_non_null(m);
  assert_string_equal(json_string_value(json_object_get(json_object_get(m, "result"), "protocolVersion")), "2025-03-26");
  assert_non_null(json_object_get(json_object_get(json_object_get(m, "result"), "capabilities"), "tools"));
  json_decref(m);
  /* Notifications get no answer: the next message answers the ping. */
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
  m = recv_msg(&p);
  assert_string_equal(json_string_value(json_object_get(m, "id")), "p");
  assert_true(json_is_object(json_object_get(m, "result")));
  json_decref(m);
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
  m = recv_msg(&p);
  json_t *tools = json_object_get(json_object_get(m, "result"), "tools");
  assert_int_equal(json_array_size(tools), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 0), "name")), "code");
  json_decref(m);
  /* A run: the WorkerCode handed to the runner, the answer. */
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"code\",\"arguments\":{\"code\":\"1+1\"}}}");
  m = recv_msg(&p);
  json_t *r = json_object_get(m, "result");
  assert_false(json_is_true(json_object_get(r, "isError")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "structuredContent"), "result")), 42);
  assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(r, "structuredContent"), "logs"), 0)), "hello");
  const char *text = json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
  assert_string_equal(text, "{\"result\":42,\"logs\":[\"hello\"],\"error\":null}");
  json_decref(m);
  assert_string_equal(json_string_value(json_object_get(f.code, "mainModule")), "main.ts");
  assert_true(json_is_null(json_object_get(f.code, "globalOutbound")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(f.code, "limits"), "wallMs")), 1234);
  assert_non_null(strstr(json_string_value(json_object_get(json_object_get(f.code, "modules"), "main.ts")), "return (1+1)"));
  /* Errors: bad arguments, unknown tool, unknown method, garbage, a batch. */
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"code\",\"arguments\":{}}}");
  m = recv_msg(&p);
  assert_int_equal(err_code(m), -32602);
  assert_non_null(strstr(json_string_value(json_object_get(json_object_get(m, "error"), "message")), "arguments.code"));
  json_decref(m);
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}");
  m = recv_msg(&p);
  assert_int_equal(err_code(m), -32602);
  json_decref(m);
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/list\"}");
  m = recv_msg(&p);
  assert_int_equal(err_code(m), -32601);
  json_decref(m);
  send_line(&p, "this is not json");
  m = recv_msg(&p);
  assert_int_equal(err_code(m), -32700);
  json_decref(m);
  send_line(&p, "[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}]");
  m = recv_msg(&p);
  assert_int_equal(err_code(m), -32600);
  json_decref(m);
  /* A line over the cap: one parse error, then the stream goes on. */
  size_t big = DW__MCP_MAX_LINE + 1000;
  char *junk = malloc(big);
  memset(junk, 'a', big);
  for (size_t off = 0; off < big;) {
    event_base_loop(base, EVLOOP_NONBLOCK);
    ssize_t w = write(p.fd, junk + off, DW_MIN(big - off, 65536));
    if (w > 0) off += (size_t)w;
  }
  free(junk);
  send_line(&p, "");
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}");
  m = recv_msg(&p);
  assert_int_equal(err_code(m), -32700);
  json_decref(m);
  m = recv_msg(&p);
  assert_int_equal(json_integer_value(json_object_get(m, "id")), 8);
  json_decref(m);
  /* Cancellation: the run is abandoned and never answered. */
  f.hold = true;
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"code\",\"arguments\":{\"code\":\"1\"}}}");
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}}");
  send_line(&p, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}");
  m = recv_msg(&p);
  assert_int_equal(json_integer_value(json_object_get(m, "id")), 10);
  json_decref(m);
  assert_int_equal(f.abandoned, 1);
  /* EOF: on_close. */
  close(sv[0]);
  for (int i = 0; i < 100 && !closed; i++) event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
  assert_true(closed);
  dw__mcp_server_free(s);
  dw__cm_free(cm);
  close(sv[1]);
  json_decref(cfg);
  json_decref(f.code);
  dw__buf_free(&p.in);
  event_base_free(base);
}


/* The transport-free session: every answer comes with the tag of its request; a forgotten
 * request's run is abandoned and never answered. */
typedef struct {
  int n;
  void *tag[8];
  bool last[8];
  json_t *msg[8];
} sent;

static void record(void *user, void *tag, const json_t *msg, bool last) {
  sent *r = user;
  assert_true(r->n < 8);
  r->tag[r->n] = tag;
  r->last[r->n] = last;
  r->msg[r->n++] = json_deep_copy(msg);
}

static void handle(dw__mcp_session *s, const char *text, void *tag) {
  json_t *m, *e;
  dw__rpc_kind k = dw__rpc_parse(text, strlen(text), &m, &e);
  assert_int_not_equal(k, DW__RPC_INVALID);
  dw__mcp_session_handle(s, k, m, tag);
  json_decref(m);
}

static void test_session_tags(void **st) {
  (void)st;
  struct event_base *base = event_base_new();
  fake f = {.base = base, .hold = true};
  dw__cm_runner runner = {.invoke = fake_invoke, .abandon = fake_abandon, .reply = fake_reply, .self = &f};
  json_error_t je;
  json_t *cfg = json_loads("{\"mcpServers\":{}}", 0, &je);
  dw__cm *cm;
  char why[256] = "";
  assert_int_equal(dw__cm_new(base, cfg, &runner, &cm, why, sizeof why), 0);
  sent r = {0};
  dw__mcp_session *s;
  assert_int_equal(dw__mcp_session_new(cm, record, &r, &s), 0);
  int a, b, c;
  handle(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}", &a);
  assert_int_equal(r.n, 1);
  assert_ptr_equal(r.tag[0], &a);
  assert_true(r.last[0]);
  handle(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"code\",\"arguments\":{\"code\":\"1\"}}}", &b);
  assert_int_equal(r.n, 1); /* held by the runner */
  assert_true(dw__mcp_session_busy(s));
  dw__mcp_session_forget(s, &b);
  assert_int_equal(f.abandoned, 1);
  assert_false(dw__mcp_session_busy(s));
  f.hold = false;
  handle(s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"code\",\"arguments\":{\"code\":\"1\"}}}", &c);
  handle(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL);
  for (int i = 0; i < 100 && r.n < 2; i++) event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
  assert_int_equal(r.n, 2);
  assert_ptr_equal(r.tag[1], &c);
  assert_true(r.last[1]);
  assert_int_equal(json_integer_value(json_object_get(r.msg[1], "id")), 3);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(r.msg[1], "result"), "structuredContent"), "result")), 42);
  dw__mcp_session_free(s);
  for (int i = 0; i < r.n; i++) json_decref(r.msg[i]);
  dw__cm_free(cm);
  json_decref(f.code);
  json_decref(cfg);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),       cmocka_unit_test(test_answer),
      cmocka_unit_test(test_clean_stack), cmocka_unit_test(test_tool_value),
      cmocka_unit_test(test_config),      cmocka_unit_test(test_server), cmocka_unit_test(test_session_tags),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
