/* A test double of the supervisor (src/supervisor/supervisor.h) for tests/unit/test_http.c
 * only; never linked into dynworker. Deterministic: an invocation is answered from the loop
 * (never from inside dw__sup_invoke), by what the main module's source contains:
 *   "__slow__"        answered after 300 ms           "__throw__"  the worker threw
 *   "__veryslow__"    answered after 2 s              "__biglogs__" logs one 64 KiB line
 *   "__overloaded__"  refused at once (DW_E_OVERLOADED) "__lost__"   DW_E_EXECUTOR_LOST
 * otherwise a success that echoes what it was given. */
#include <event2/event.h>
#include <string.h>
#include "supervisor/supervisor.h"

typedef struct pending {
  struct dw__sup *s;
  uint64_t id;
  dw__sup_done done;
  void *user;
  bool abandoned;
  struct event *ev;
  int err;
  uint32_t retry_after_s;
  json_t *result;
  bool has_response;
  char *body;
  json_t *headers;
  char *tenant, *worker_id;
  const char *kind;
  struct pending *next;
} pending;

struct dw__sup {
  dw__sup_config cfg;
  uint64_t next_id;
  pending *list;
  unsigned npending;
  bool draining;
  void (*drained)(void *);
  void *drained_user;
  struct event *grace;
};

int dw__sup_new(const dw__sup_config *cfg, dw__sup **out, char *why, size_t why_len) {
  dw__sup *s = calloc(1, sizeof *s);
  if (!s) return DW_E_NOMEM;
  s->cfg = *cfg;
  *out = s;
  return 0;
}

static void unlink_free(pending *p) {
  dw__sup *s = p->s;
  for (pending **pp = &s->list; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  s->npending--;
  event_free(p->ev);
  json_decref(p->result);
  json_decref(p->headers);
  free(p->body);
  free(p->tenant);
  free(p->worker_id);
  free(p);
}

static void maybe_drained(dw__sup *s) {
  if (s->draining && s->npending == 0 && s->drained) {
    void (*cb)(void *) = s->drained;
    s->drained = NULL;
    if (s->grace) event_free(s->grace), s->grace = NULL;
    cb(s->drained_user);
  }
}

static void answer(evutil_socket_t fd, short what, void *arg) {
  pending *p = arg;
  dw__sup *s = p->s;
  if (s->cfg.on_event) {
    dw__sup_event ev = {.tenant = p->tenant, .worker_id = p->worker_id, .kind = p->kind,
                        .outcome = p->err == 0 ? "ok" : p->err == DW_E_UNCAUGHT ? "exception"
                                                                                : "executorLost",
                        .err = p->err, .logs = json_object_get(p->result, "logs"),
                        .cpu_ms = 0.5, .wall_ms = 1.5, .latency_ms = 2};
    s->cfg.on_event(s->cfg.event_user, &ev);
  }
  if (!p->abandoned) {
    dw__sup_outcome o = {.err = p->err, .result = p->result, .retry_after_s = p->retry_after_s};
    if (p->has_response) {
      o.has_response = true;
      o.status = 200;
      o.headers = p->headers;
      o.body = p->body;
      o.body_len = strlen(p->body);
    }
    p->done(p->user, &o);
  }
  unlink_free(p);
  maybe_drained(s);
}

static const char *main_source(const json_t *code) {
  const char *main = json_string_value(json_object_get(code, "mainModule"));
  json_t *m = json_object_get(json_object_get(code, "modules"), main ? main : "");
  return json_is_string(m) ? json_string_value(m) : "";
}

int dw__sup_invoke(dw__sup *s, const dw__sup_invocation *inv, dw__sup_done done, void *user,
                   uint64_t *id) {
  if (s->draining) return DW_E_OVERLOADED;
  const char *src = main_source(inv->code);
  if (strstr(src, "__overloaded__")) return DW_E_OVERLOADED;
  pending *p = calloc(1, sizeof *p);
  p->s = s;
  p->id = ++s->next_id;
  p->done = done;
  p->user = user;
  p->tenant = dw__strdup(inv->tenant ? inv->tenant : "default");
  p->worker_id = inv->worker_id ? dw__strdup(inv->worker_id) : NULL;
  static const char *kinds[] = {"run", "fetch", "rpc"};
  p->kind = kinds[inv->kind];
  json_t *echo = json_pack("{s:s,s:s,s:O,s:I}", "kind", p->kind, "tenant", p->tenant, "args",
                           inv->args ? (json_t *)inv->args : json_null(), "limits",
                           json_integer_value(json_object_get(json_object_get(inv->code, "limits"),
                                                              "cpuMs")));
  if (inv->method) json_object_set_new(echo, "method", json_string(inv->method));
  if (inv->entrypoint) json_object_set_new(echo, "entrypoint", json_string(inv->entrypoint));
  json_t *err = json_null();
  if (strstr(src, "__throw__")) {
    p->err = DW_E_UNCAUGHT;
    err = json_pack("{s:s,s:s,s:s,s:s}", "code", "uncaught_exception", "name", "Error", "message",
                    "boom", "stack", "at main.js:1");
  } else if (strstr(src, "__lost__")) {
    p->err = DW_E_EXECUTOR_LOST;
    p->retry_after_s = 2;
    err = json_pack("{s:s,s:s,s:s,s:s}", "code", "executor_lost", "name", "Error", "message",
                    "the executor process was lost; retry", "stack", "");
  }
  p->result = json_pack("{s:b,s:O,s:n,s:[{s:s,s:s,s:f}],s:o,s:f,s:f}", "ok", p->err == 0,
                        "result", p->err ? json_null() : echo, "response", "logs", "level", "log",
                        "message", "hello from the fake", "ts", 1.0, "error", err, "cpuMs", 0.5,
                        "wallMs", 1.5);
  if (strstr(src, "__biglogs__")) {
    char *big = malloc(65536);
    memset(big, 'x', 65535);
    big[65535] = 0;
    json_object_set_new(p->result, "logs", json_pack("[{s:s,s:s,s:f}]", "level", "log", "message",
                                                     big, "ts", 1.0));
    free(big);
  }
  if (inv->kind == DW_SUP_FETCH && !p->err) {
    p->has_response = true;
    p->headers = json_pack("[[ss],[ss],[ss]]", "content-type", "text/plain", "x-echo-method",
                           inv->req_method ? inv->req_method : "GET", "connection", "x-hop");
    size_t hn = json_array_size(inv->req_headers);
    char hdrs[512] = "";
    for (size_t i = 0; i < hn; i++) {
      const json_t *kv = json_array_get(inv->req_headers, i);
      size_t l = strlen(hdrs);
      snprintf(hdrs + l, sizeof hdrs - l, "%s;", json_string_value(json_array_get(kv, 0)));
    }
    size_t n = strlen(inv->req_url) + inv->req_body_len + sizeof hdrs + 64;
    p->body = malloc(n);
    snprintf(p->body, n, "%s %s\n%s\n%.*s", inv->req_method, inv->req_url, hdrs,
             (int)inv->req_body_len, inv->req_body ? (const char *)inv->req_body : "");
  }
  json_decref(echo);
  p->next = s->list;
  s->list = p;
  s->npending++;
  p->ev = event_new(s->cfg.base, -1, 0, answer, p);
  struct timeval tv = {strstr(src, "__veryslow__") ? 2 : 0, strstr(src, "__slow__") ? 300000 : 0};
  event_add(p->ev, &tv);
  if (id) *id = p->id;
  return 0;
}

void dw__sup_abandon(dw__sup *s, uint64_t id) {
  for (pending *p = s->list; p; p = p->next)
    if (p->id == id) p->abandoned = true;
}

void dw__sup_forget(dw__sup *s, const char *tenant, const char *worker_id) {}

static void grace_over(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  while (s->list) {
    pending *p = s->list;
    p->err = DW_E_EXECUTOR_LOST;
    p->has_response = false;
    answer(-1, 0, p);
  }
  maybe_drained(s);
}

void dw__sup_drain(dw__sup *s, uint32_t grace_ms, void (*drained)(void *user), void *user) {
  s->draining = true;
  s->drained = drained;
  s->drained_user = user;
  s->grace = event_new(s->cfg.base, -1, 0, grace_over, s);
  /* Nothing in flight: drained at once (from the loop); else when the last answer is out or
   * the grace is over. */
  struct timeval tv = {s->npending ? grace_ms / 1000 : 0,
                       s->npending ? (grace_ms % 1000) * 1000 : 0};
  event_add(s->grace, &tv);
}

void dw__sup_free(dw__sup *s) {
  if (!s) return;
  while (s->list) unlink_free(s->list);
  if (s->grace) event_free(s->grace);
  free(s);
}

void dw__sup_stats_get(const dw__sup *s, dw__sup_stats *out) {
  memset(out, 0, sizeof *out);
  out->executors_live = s->cfg.executors ? s->cfg.executors : 2;
  out->inflight = s->npending;
  out->warm_workers = 3;
  out->rss_bytes = 123456;
}

/* fuzz/fuzz_http.c links the real check (src/supervisor/workercode.c) instead. */
#ifndef DW_FAKE_SUP_REAL_CHECK
int dw__workercode_check(const json_t *code, char *why, size_t why_len) {
  const char *main = json_string_value(json_object_get(code, "mainModule"));
  json_t *mods = json_object_get(code, "modules");
  if (!main) {
    snprintf(why, why_len, "mainModule: must be a string");
    return DW_E_BAD_REQUEST;
  }
  if (!json_is_object(mods) || !json_object_get(mods, main)) {
    snprintf(why, why_len, "modules: must be an object holding mainModule");
    return DW_E_BAD_REQUEST;
  }
  json_t *env = json_object_get(code, "env");
  if (env && !json_is_object(env)) {
    snprintf(why, why_len, "env: must be an object");
    return DW_E_BAD_REQUEST;
  }
  return 0;
}
#endif

/* Host calls ($host bindings, Code Mode) never happen here: the fake runs no code. */
void dw__sup_reply(dw__sup_call *call, const json_t *result, const char *error) {
  (void)call, (void)result, (void)error;
}
