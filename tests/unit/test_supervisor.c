/* supervisor: routing, deadlines, kills, respawn, quarantine, overload, calls, egress,
 * drain, against a fake executor (tests/unit/fake_executor.c) that speaks the ipc protocol
 * and misbehaves on request; plus the WorkerCode check and the ipc header codec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include "executor/ipc.h"
#include "supervisor/supervisor.h"

/* ---- Harness ------------------------------------------------------------------------------ */

typedef struct {
  int count;
  int err;
  json_t *result;
  uint32_t retry;
  bool has_response;
  int status;
  char body[1024];
} answer_t;

static void on_done(void *user, const dw__sup_outcome *o) {
  answer_t *a = user;
  a->count++;
  a->err = o->err;
  json_decref(a->result);
  a->result = json_deep_copy(o->result);
  a->retry = o->retry_after_s;
  a->has_response = o->has_response;
  a->status = o->status;
  snprintf(a->body, sizeof a->body, "%.*s", (int)o->body_len, o->body ? (const char *)o->body : "");
}

typedef struct {
  struct event_base *base;
  dw__sup *sup;
  json_t *registry; /* id -> code, for resolve */
  struct evhttp *http;
  int port;
  int drained;
  json_t *events; /* [{outcome, err, worker}] from on_event */
} fixture;

static int resolve(void *user, const char *tenant, const char *id, json_t **code, uint64_t *rev) {
  fixture *f = user;
  json_t *c = json_object_get(f->registry, id);
  if (!c) return DW_E_WORKER_NOT_FOUND;
  *code = json_incref(c);
  *rev = 1;
  return 0;
}

static void run_until(fixture *f, bool (*cond)(void *), void *arg, uint32_t max_ms) {
  uint64_t end = dw__now_ns() + (uint64_t)max_ms * 1000000u;
  while (!cond(arg) && dw__now_ns() < end) event_base_loop(f->base, EVLOOP_ONCE);
}

static bool answered(void *arg) { return ((answer_t *)arg)->count > 0; }

static void run_ms(fixture *f, uint32_t ms) {
  uint64_t end = dw__now_ns() + (uint64_t)ms * 1000000u;
  while (dw__now_ns() < end) event_base_loop(f->base, EVLOOP_ONCE);
}

typedef struct {
  fixture *f;
  uint64_t n;
} live_arg;

static bool live(void *arg) {
  live_arg *l = arg;
  dw__sup_stats st;
  dw__sup_stats_get(l->f->sup, &st);
  return st.executors_live >= l->n;
}

static void on_event(void *user, const dw__sup_event *ev) {
  fixture *f = user;
  json_array_append_new(f->events, json_pack("{s:s, s:i, s:s?, s:s, s:s}", "outcome", ev->outcome,
                                             "err", ev->err, "worker", ev->worker_id, "kind",
                                             ev->kind, "tenant", ev->tenant));
}

static bool has_event(fixture *f, const char *outcome, const char *worker) {
  size_t i;
  json_t *e;
  json_array_foreach(f->events, i, e) {
    const char *w = json_string_value(json_object_get(e, "worker"));
    if (!strcmp(json_string_value(json_object_get(e, "outcome")), outcome) &&
        (!worker || (w && !strcmp(w, worker))))
      return true;
  }
  return false;
}

static void start(fixture *f, dw__sup_config *cfg) {
  char why[256] = "";
  cfg->base = f->base;
  cfg->exe = FAKE_EXECUTOR;
  cfg->resolve = resolve;
  cfg->resolve_user = f;
  cfg->on_event = on_event;
  cfg->event_user = f;
  assert_int_equal(dw__sup_new(cfg, &f->sup, why, sizeof why), 0);
  live_arg l = {f, cfg->executors};
  run_until(f, live, &l, 5000);
  assert_true(live(&l));
}

static json_t *code_of(const char *main, const char *extra_json) {
  json_t *c = json_pack("{s:s, s:{s:s}}", "mainModule", main, "modules", main, "//");
  if (extra_json) {
    json_t *x = json_loads(extra_json, 0, NULL);
    assert_non_null(x);
    json_object_update(c, x);
    json_decref(x);
  }
  char why[256];
  assert_int_equal(dw__workercode_check(c, why, sizeof why), 0);
  return c;
}

static void invoke(fixture *f, const char *id, json_t *code, const json_t *args, answer_t *a) {
  dw__sup_invocation inv = {.kind = args ? DW_SUP_RPC : DW_SUP_RUN, .worker_id = id, .rev = 1,
                            .code = code, .method = args ? "m" : NULL, .args = args};
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, a, NULL), 0);
}

static const char *err_code(const answer_t *a) {
  return json_string_value(json_object_get(json_object_get(a->result, "error"), "code"));
}

static json_t *value(const answer_t *a) { return json_object_get(a->result, "result"); }

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->base = event_base_new();
  f->registry = json_object();
  f->events = json_array();
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  dw__sup_free(f->sup);
  if (f->http) evhttp_free(f->http);
  json_decref(f->registry);
  json_decref(f->events);
  event_base_free(f->base);
  free(f);
  return 0;
}

static void answer_free(answer_t *a, int n) {
  for (int i = 0; i < n; i++) json_decref(a[i].result);
}

static dw__sup_stats stats(fixture *f) {
  dw__sup_stats st;
  dw__sup_stats_get(f->sup, &st);
  return st;
}

/* ---- Tests: processes and routing ------------------------------------------------------- */

static void test_ok_warm_routing(void **state) {
  fixture *f = *state;
  setenv("DW_TEST_SECRET", "hunter2", 1);
  start(f, &(dw__sup_config){.executors = 3});
  json_t *code = code_of("ok.js", "{\"globalOutbound\": {\"allow\": [\"example.com\"], "
                                  "\"inject\": {\"example.com\": {\"Authorization\": \"s3cret\"}}},"
                                  "\"env\": {\"H\": {\"$http\": {\"url\": \"http://b/\", "
                                  "\"headers\": {\"Authorization\": \"binding-secret\"}}}, "
                                  "\"N\": 5}}");
  answer_t a[6] = {0};
  json_t *args = json_pack("[i, s]", 1, "two");
  for (int i = 0; i < 4; i++) {
    invoke(f, "w1", code, args, &a[i]);
    run_until(f, answered, &a[i], 5000);
  }
  json_t *one = code_of("ok.js", NULL);
  invoke(f, NULL, one, NULL, &a[4]);
  run_until(f, answered, &a[4], 5000);
  json_int_t pid = json_integer_value(json_object_get(value(&a[0]), "pid"));
  for (int i = 0; i < 4; i++) {
    assert_int_equal(a[i].count, 1);
    assert_int_equal(a[i].err, 0);
    assert_true(json_is_true(json_object_get(a[i].result, "ok")));
    /* warm routing: the same id goes to the same executor */
    assert_int_equal(json_integer_value(json_object_get(value(&a[i]), "pid")), pid);
    assert_true(json_equal(json_object_get(value(&a[i]), "args"), args));
    /* the secrets of globalOutbound never reach an executor; it only learns "egress" */
    assert_false(json_is_true(json_object_get(value(&a[i]), "codeHasOutbound")));
    assert_true(json_is_true(json_object_get(value(&a[i]), "egress")));
  }
  /* NEED_CODE on the first call, warm afterwards */
  assert_false(json_is_true(json_object_get(value(&a[0]), "warmHit")));
  assert_true(json_is_true(json_object_get(value(&a[3]), "warmHit")));
  /* a minimal environment, and no descriptor but the channel */
  char *env = json_dumps(json_object_get(value(&a[0]), "env"), 0);
  assert_null(strstr(env, "DW_TEST_SECRET"));
  assert_non_null(strstr(env, "PATH=/usr/bin:/bin"));
  assert_non_null(strstr(env, "DW_EXECUTOR_MEMORY_MB=512"));
  assert_non_null(strstr(env, "DW_EXECUTOR_MAX_WORKERS=1000"));
  free(env);
  assert_int_equal(json_integer_value(json_object_get(value(&a[0]), "fdsAbove3")), 0);
  /* nor do a binding's headers: the executor gets {"$http": {"url"}} */
  char *cenv = json_dumps(json_object_get(value(&a[0]), "codeEnv"), JSON_SORT_KEYS);
  assert_string_equal(cenv, "{\"H\": {\"$http\": {\"url\": \"http://b/\"}}, \"N\": 5}");
  free(cenv);
  assert_int_equal(a[4].err, 0);
  dw__sup_stats st = stats(f);
  assert_int_equal(st.executors_live, 3);
  assert_int_equal(st.executor_restarts, 0);
  assert_int_equal(st.inflight, 0);
  /* several ids, three rounds, all in flight at once: each id stays on one executor (its
   * hash), and the ids spread over the executors. 11 ids: least-loaded routing alone would
   * move an id between rounds. */
  enum { IDS = 11, ROUNDS = 3 };
  answer_t b[IDS * ROUNDS] = {0};
  for (int r = 0; r < ROUNDS; r++)
    for (int i = 0; i < IDS; i++) {
      char id[16];
      snprintf(id, sizeof id, "id%d", i);
      invoke(f, id, code, args, &b[r * IDS + i]);
    }
  json_t *pids = json_object();
  for (int k = 0; k < IDS * ROUNDS; k++) {
    run_until(f, answered, &b[k], 5000);
    assert_int_equal(b[k].count, 1);
    assert_int_equal(json_integer_value(json_object_get(value(&b[k]), "pid")),
                     json_integer_value(json_object_get(value(&b[k % IDS]), "pid")));
    char p[32];
    snprintf(p, sizeof p, "%lld", json_integer_value(json_object_get(value(&b[k]), "pid")));
    json_object_set_new(pids, p, json_true());
  }
  assert_true(json_object_size(pids) >= 2);
  json_decref(pids);
  answer_free(b, IDS * ROUNDS);
  run_ms(f, 50);
  for (int i = 0; i < 5; i++) assert_int_equal(a[i].count, 1); /* exactly once */
  json_decref(args);
  json_decref(code);
  json_decref(one);
  answer_free(a, 6);
  unsetenv("DW_TEST_SECRET");
}

static void test_deadline_kill_quarantine(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .grace_ms = 100, .quarantine_ms = 700});
  json_t *hang = code_of("hang.js", "{\"limits\": {\"wallMs\": 100}}");
  json_t *hang_long = code_of("hang.js", "{\"limits\": {\"wallMs\": 20000}}");
  answer_t a[4] = {0};
  invoke(f, "bad", hang, NULL, &a[0]);
  invoke(f, NULL, hang_long, NULL, &a[1]);
  run_until(f, answered, &a[1], 5000);
  assert_int_equal(a[0].count, 1);
  assert_int_equal(a[0].err, DW_E_WALL_LIMIT);
  assert_string_equal(err_code(&a[0]), "wall_limit_exceeded");
  assert_int_equal(a[1].count, 1);
  assert_int_equal(a[1].err, DW_E_EXECUTOR_LOST);
  assert_string_equal(err_code(&a[1]), "executor_lost");
  assert_int_equal(a[1].retry, 1);
  /* synthesised shape */
  assert_true(json_is_false(json_object_get(a[1].result, "ok")));
  assert_true(json_is_array(json_object_get(a[1].result, "logs")));
  assert_string_equal(json_string_value(json_object_get(json_object_get(a[1].result, "error"), "name")),
                      "Error");
  dw__sup_stats st = stats(f);
  assert_int_equal(st.executor_kills, 1);
  assert_int_equal(st.quarantined, 1);
  /* quarantined: refused with a retry delay */
  invoke(f, "bad", hang, NULL, &a[2]);
  run_until(f, answered, &a[2], 2000);
  assert_int_equal(a[2].err, DW_E_OVERLOADED);
  assert_true(a[2].retry >= 1);
  /* respawned, and after the quarantine the id runs again */
  live_arg l = {f, 1};
  run_until(f, live, &l, 3000);
  assert_int_equal(stats(f).executor_restarts, 1);
  run_ms(f, 800);
  json_t *ok = code_of("ok.js", NULL);
  invoke(f, "bad", ok, NULL, &a[3]);
  run_until(f, answered, &a[3], 5000);
  assert_int_equal(a[3].err, 0);
  assert_int_equal(stats(f).quarantined, 0);
  /* what the supervisor told on_event */
  assert_true(has_event(f, "exceededWallTime", "bad"));
  assert_true(has_event(f, "executorLost", NULL));
  assert_true(has_event(f, "overloaded", "bad"));
  assert_true(has_event(f, "ok", "bad"));
  assert_int_equal(json_array_size(f->events), 4);
  run_ms(f, 50);
  for (int i = 0; i < 4; i++) assert_int_equal(a[i].count, 1);
  json_decref(hang);
  json_decref(hang_long);
  json_decref(ok);
  answer_free(a, 4);
}

static void test_sleeping_executor(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .grace_ms = 100});
  json_t *sl = code_of("sleep.js", "{\"limits\": {\"wallMs\": 200}}");
  json_t *ok = code_of("ok.js", NULL);
  answer_t a[2] = {0};
  invoke(f, NULL, sl, NULL, &a[0]);
  invoke(f, NULL, ok, NULL, &a[1]); /* stuck behind it in the same process */
  run_until(f, answered, &a[1], 5000);
  assert_int_equal(a[0].err, DW_E_WALL_LIMIT);
  assert_int_equal(a[1].err, DW_E_EXECUTOR_LOST);
  assert_int_equal(stats(f).quarantined, 0); /* a one-shot has no id to refuse */
  json_decref(sl);
  json_decref(ok);
  answer_free(a, 2);
}

static void test_crash_respawn(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1});
  json_t *crash = code_of("crash.js", NULL);
  json_t *ok = code_of("ok.js", NULL);
  answer_t a[4] = {0};
  for (int round = 0; round < 2; round++) {
    invoke(f, NULL, crash, NULL, &a[2 * round]);
    run_until(f, answered, &a[2 * round], 5000);
    assert_int_equal(a[2 * round].err, DW_E_EXECUTOR_LOST);
    invoke(f, NULL, ok, NULL, &a[2 * round + 1]); /* waits for the respawn */
    run_until(f, answered, &a[2 * round + 1], 5000);
    assert_int_equal(a[2 * round + 1].err, 0);
  }
  dw__sup_stats st = stats(f);
  assert_int_equal(st.executor_restarts, 2);
  assert_int_equal(st.executor_kills, 0); /* it died by itself */
  json_decref(crash);
  json_decref(ok);
  answer_free(a, 4);
}

static void test_malformed_frames(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1});
  static const char *const bad[] = {"badheader.js", "oversize.js", "badjson.js",
                                    "dupkeys.js",   "unknowninv.js", "wrongtype.js"};
  json_t *ok = code_of("ok.js", NULL);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *code = code_of(bad[i], NULL);
    answer_t a[2] = {0};
    invoke(f, NULL, code, NULL, &a[0]);
    run_until(f, answered, &a[0], 5000);
    assert_int_equal(a[0].count, 1);
    assert_int_equal(a[0].err, DW_E_EXECUTOR_LOST);
    assert_int_equal(stats(f).executor_kills, i + 1);
    invoke(f, NULL, ok, NULL, &a[1]);
    run_until(f, answered, &a[1], 10000);
    assert_int_equal(a[1].err, 0);
    json_decref(code);
    answer_free(a, 2);
  }
  assert_int_equal(stats(f).executor_restarts, sizeof bad / sizeof *bad);
  json_decref(ok);
}

static void test_overload_queue(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .max_inflight = 1, .queue_max = 2});
  json_t *hang = code_of("hang.js", "{\"limits\": {\"wallMs\": 20000}}");
  answer_t a[4] = {0};
  for (int i = 0; i < 4; i++) invoke(f, NULL, hang, NULL, &a[i]);
  run_until(f, answered, &a[3], 2000);
  assert_int_equal(a[3].count, 1);
  assert_int_equal(a[3].err, DW_E_OVERLOADED);
  assert_int_equal(a[3].retry, 1);
  dw__sup_stats st = stats(f);
  assert_int_equal(st.inflight, 1);
  assert_int_equal(st.queued, 2);
  for (int i = 0; i < 3; i++) assert_int_equal(a[i].count, 0);
  json_decref(hang);
  answer_free(a, 4);
  /* teardown frees the supervisor: no callback after that */
}

static void test_need_code_forget(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1});
  json_t *ok = code_of("ok.js", NULL);
  answer_t a[3] = {0};
  invoke(f, "w", ok, NULL, &a[0]);
  run_until(f, answered, &a[0], 5000);
  invoke(f, "w", ok, NULL, &a[1]);
  run_until(f, answered, &a[1], 5000);
  assert_false(json_is_true(json_object_get(value(&a[0]), "warmHit")));
  assert_true(json_is_true(json_object_get(value(&a[1]), "warmHit")));
  assert_int_equal(stats(f).warm_workers, 1);
  dw__sup_forget(f->sup, NULL, "w");
  invoke(f, "w", ok, NULL, &a[2]);
  run_until(f, answered, &a[2], 5000);
  assert_int_equal(a[2].err, 0);
  assert_false(json_is_true(json_object_get(value(&a[2]), "warmHit")));
  assert_int_equal(json_integer_value(json_object_get(value(&a[2]), "forgets")), 1);
  json_decref(ok);
  answer_free(a, 3);
}

static void test_rss_ceiling(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .rss_mb = 128});
  json_t *rss = code_of("rss.js", "{\"limits\": {\"wallMs\": 20000}}");
  answer_t a[1] = {0};
  invoke(f, "fat", rss, NULL, &a[0]);
  run_until(f, answered, &a[0], 5000);
  assert_int_equal(a[0].count, 1);
  assert_int_equal(a[0].err, DW_E_MEMORY_LIMIT);
  assert_string_equal(err_code(&a[0]), "memory_limit_exceeded");
  assert_int_equal(stats(f).executor_kills, 1);
  assert_int_equal(stats(f).quarantined, 1);
  json_decref(rss);
  answer_free(a, 1);
}

static void test_hello_timeout(void **state) {
  fixture *f = *state;
  char why[256];
  dw__sup_config cfg = {.base = f->base, .exe = FAKE_EXECUTOR, .executors = 1, .hello_ms = 200,
                        .max_workers = 7 /* the fake stays silent */};
  assert_int_equal(dw__sup_new(&cfg, &f->sup, why, sizeof why), 0);
  json_t *ok = code_of("ok.js", "{\"limits\": {\"wallMs\": 500}}");
  answer_t a[1] = {0};
  invoke(f, NULL, ok, NULL, &a[0]);
  run_until(f, answered, &a[0], 5000);
  /* never routed to a silent executor: the invocation waited, then was refused */
  assert_int_equal(a[0].count, 1);
  assert_int_equal(a[0].err, DW_E_OVERLOADED);
  dw__sup_stats st = stats(f);
  assert_int_equal(st.executors_live, 0);
  assert_true(st.executor_kills >= 2);
  assert_true(st.executor_restarts >= 2);
  json_decref(ok);
  answer_free(a, 1);
}

static void test_groups_busy(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .max_groups = 1});
  json_t *hang = code_of("hang.js", "{\"limits\": {\"wallMs\": 20000}}");
  answer_t a[2] = {0};
  invoke(f, NULL, hang, NULL, &a[0]); /* the default group is busy */
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .tenant = "other", .code = hang};
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, &a[1], NULL), 0);
  assert_int_equal(a[1].count, 0); /* never from inside dw__sup_invoke */
  run_until(f, answered, &a[1], 2000);
  assert_int_equal(a[1].err, DW_E_OVERLOADED);
  assert_int_equal(a[1].retry, 1);
  assert_int_equal(stats(f).groups, 1);
  json_t *last = json_array_get(f->events, json_array_size(f->events) - 1);
  assert_string_equal(json_string_value(json_object_get(last, "tenant")), "other");
  assert_string_equal(json_string_value(json_object_get(last, "outcome")), "overloaded");
  json_decref(hang);
  answer_free(a, 2);
}

/* A refusal answered from the loop must not depend on its group: the group may be retired
 * (and freed) before the answer goes out. */
static void test_retire_with_late_answer(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .max_groups = 1, .grace_ms = 50});
  json_t *hang = code_of("hang.js", "{\"limits\": {\"wallMs\": 50}}");
  json_t *ok = code_of("ok.js", NULL);
  answer_t a[3] = {0};
  invoke(f, "bad", hang, NULL, &a[0]);
  run_until(f, answered, &a[0], 5000);
  assert_int_equal(a[0].err, DW_E_WALL_LIMIT);
  invoke(f, "bad", ok, NULL, &a[1]); /* quarantined: answered from the loop */
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .tenant = "other", .code = ok};
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, &a[2], NULL), 0); /* retires default */
  run_until(f, answered, &a[2], 5000);
  run_until(f, answered, &a[1], 5000);
  assert_int_equal(a[1].err, DW_E_OVERLOADED);
  assert_int_equal(a[2].err, 0);
  assert_int_equal(stats(f).groups, 1);
  json_decref(hang);
  json_decref(ok);
  answer_free(a, 3);
}

static void on_drained(void *user) { ((fixture *)user)->drained++; }
static bool drained(void *arg) { return ((fixture *)arg)->drained > 0; }

static void test_drain(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 2});
  json_t *ok = code_of("ok.js", NULL);
  json_t *hang = code_of("hang.js", "{\"limits\": {\"wallMs\": 20000}}");
  answer_t a[3] = {0};
  invoke(f, NULL, ok, NULL, &a[0]);
  invoke(f, NULL, hang, NULL, &a[1]);
  dw__sup_drain(f->sup, 300, on_drained, f);
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .code = ok};
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, &a[2], NULL), DW_E_OVERLOADED);
  run_until(f, drained, f, 3000);
  assert_int_equal(f->drained, 1);
  assert_int_equal(a[0].count, 1);
  assert_int_equal(a[0].err, 0);
  assert_int_equal(a[1].count, 1);
  assert_int_equal(a[1].err, DW_E_EXECUTOR_LOST);
  assert_int_equal(a[2].count, 0);
  run_ms(f, 300);
  assert_int_equal(f->drained, 1);
  assert_int_equal(stats(f).executors_live, 0);
  assert_int_equal(stats(f).executor_restarts, 0);
  json_decref(ok);
  json_decref(hang);
  answer_free(a, 3);
}

static void test_drain_idle(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1});
  dw__sup_drain(f->sup, 5000, on_drained, f);
  run_until(f, drained, f, 1000);
  assert_int_equal(f->drained, 1);
}

static void test_abandon(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1});
  json_t *ok = code_of("ok.js", NULL);
  answer_t a[2] = {0};
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .code = ok};
  uint64_t id = 0;
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, &a[0], &id), 0);
  assert_true(id > 0);
  dw__sup_abandon(f->sup, id);
  invoke(f, NULL, ok, NULL, &a[1]);
  run_until(f, answered, &a[1], 5000);
  run_ms(f, 100);
  assert_int_equal(a[0].count, 0);
  assert_int_equal(a[1].count, 1);
  assert_int_equal(stats(f).inflight, 0);
  json_decref(ok);
  answer_free(a, 2);
}

static void test_groups(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1, .max_groups = 2});
  json_t *ok = code_of("ok.js", NULL);
  answer_t a[3] = {0};
  const char *tenants[3] = {"t1", "t2", "t1"};
  for (int i = 0; i < 3; i++) {
    dw__sup_invocation inv = {.kind = DW_SUP_RUN, .tenant = tenants[i], .code = ok};
    assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, &a[i], NULL), 0);
    run_until(f, answered, &a[i], 5000);
    assert_int_equal(a[i].err, 0);
    assert_true(stats(f).groups <= 2);
  }
  /* tenants never share a process */
  assert_int_not_equal(json_integer_value(json_object_get(value(&a[0]), "pid")),
                       json_integer_value(json_object_get(value(&a[1]), "pid")));
  json_decref(ok);
  answer_free(a, 3);
}

/* ---- Calls: a local HTTP server on the same loop ------------------------------------------ */

static void http_cb(struct evhttp_request *req, void *arg) {
  struct evbuffer *in = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(in);
  char *body = calloc(1, n + 1);
  evbuffer_remove(in, body, n);
  const char *uri = evhttp_request_get_uri(req);
  struct evkeyvalq *h = evhttp_request_get_input_headers(req);
  struct evbuffer *out = evbuffer_new();
  if (!strcmp(uri, "/rpc")) {
    json_t *m = json_loads(body, 0, NULL);
    const char *method = json_string_value(json_object_get(m, "method"));
    json_t *args = json_object_get(m, "args");
    const char *key = evhttp_find_header(h, "X-Key");
    if (method && !strcmp(method, "add"))
      evbuffer_add_printf(out, "{\"result\": {\"sum\": %lld, \"key\": \"%s\"}}",
                          json_integer_value(json_array_get(args, 0)) +
                              json_integer_value(json_array_get(args, 1)),
                          key ? key : "");
    else if (method && !strcmp(method, "fail"))
      evbuffer_add_printf(out, "{\"error\": {\"message\": \"nope\"}}");
    else if (method && !strcmp(method, "failstr"))
      evbuffer_add_printf(out, "{\"error\": \"nope as a string\"}");
    json_decref(m);
    if (evbuffer_get_length(out) == 0) {
      evhttp_send_reply(req, 500, "Broken", out);
      goto out;
    }
  } else {
    const char *xu = evhttp_find_header(h, "X-Dynworker-Url");
    const char *gk = evhttp_find_header(h, "X-Gateway");
    evbuffer_add_printf(out, "gateway %s url=%s gk=%s body=%s",
                        evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "other",
                        xu ? xu : "-", gk ? gk : "-", body);
  }
  evhttp_send_reply(req, 200, "OK", out);
out:
  evbuffer_free(out);
  free(body);
}

static void serve(fixture *f) {
  f->http = evhttp_new(f->base);
  struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(f->http, "127.0.0.1", 0);
  assert_non_null(bs);
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sa, &len);
  f->port = ntohs(sa.sin_port);
  evhttp_set_gencb(f->http, http_cb, f);
}

static json_t *reply_of(const answer_t *a) { return json_object_get(value(a), "reply"); }

static void call(fixture *f, json_t *code, const char *args_json, answer_t *a) {
  json_t *args = json_loads(args_json, 0, NULL);
  assert_non_null(args);
  dw__sup_invocation inv = {.kind = DW_SUP_RUN, .code = code, .args = args};
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, a, NULL), 0);
  run_until(f, answered, a, 5000);
  assert_int_equal(a->count, 1);
  assert_int_equal(a->err, 0);
  json_decref(args);
}

static void test_call_http(void **state) {
  fixture *f = *state;
  serve(f);
  start(f, &(dw__sup_config){.executors = 1});
  char extra[512];
  snprintf(extra, sizeof extra,
           "{\"env\": {\"B\": {\"$http\": {\"url\": \"http://127.0.0.1:%d/rpc\", "
           "\"headers\": {\"X-Key\": \"k1\"}}}, \"N\": 5}}",
           f->port);
  json_t *code = code_of("call.js", extra);
  answer_t a[5] = {0};
  call(f, code, "[\"B\", \"add\", [2, 3]]", &a[0]);
  json_t *r = reply_of(&a[0]);
  assert_true(json_is_true(json_object_get(r, "ok")));
  json_t *res = json_object_get(r, "result");
  assert_int_equal(json_integer_value(json_object_get(res, "sum")), 5);
  assert_string_equal(json_string_value(json_object_get(res, "key")), "k1");
  call(f, code, "[\"B\", \"fail\", []]", &a[1]);
  assert_true(json_is_false(json_object_get(reply_of(&a[1]), "ok")));
  assert_string_equal(json_string_value(json_object_get(reply_of(&a[1]), "error")), "nope");
  call(f, code, "[\"B\", \"failstr\", []]", &a[2]);
  assert_string_equal(json_string_value(json_object_get(reply_of(&a[2]), "error")),
                      "nope as a string");
  call(f, code, "[\"B\", \"other\", []]", &a[3]);
  assert_non_null(strstr(json_string_value(json_object_get(reply_of(&a[3]), "error")), "HTTP 500"));
  /* a descriptor the code does not grant: a compromised executor cannot mint one */
  call(f, code,
       "[{\"$http\": {\"url\": \"http://169.254.169.254/latest\"}}, \"add\", [1, 2]]", &a[4]);
  assert_true(json_is_false(json_object_get(reply_of(&a[4]), "ok")));
  assert_non_null(strstr(json_string_value(json_object_get(reply_of(&a[4]), "error")), "not granted"));
  assert_int_equal(stats(f).binding_calls, 4);
  json_decref(code);
  answer_free(a, 5);
}

static void test_call_worker(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 2});
  json_object_set_new(f->registry, "target", code_of("ok.js", NULL));
  json_object_set_new(f->registry, "loop",
                      code_of("call.js", "{\"env\": {\"SELF\": {\"$worker\": \"loop\"}}}"));
  json_t *code = code_of("call.js",
                         "{\"env\": {\"T\": {\"$worker\": \"target\", \"entrypoint\": \"Api\", "
                         "\"props\": {\"room\": \"lobby\"}}, \"X\": {\"$worker\": \"missing\"}, "
                         "\"L\": {\"$worker\": \"loop\"}}}");
  answer_t a[3] = {0};
  call(f, code, "[\"T\", \"hi\", [1, 2]]", &a[0]);
  json_t *r = reply_of(&a[0]);
  assert_true(json_is_true(json_object_get(r, "ok")));
  json_t *res = json_object_get(r, "result");
  assert_string_equal(json_string_value(json_object_get(res, "method")), "hi");
  assert_string_equal(json_string_value(json_object_get(res, "entrypoint")), "Api");
  assert_string_equal(json_string_value(json_object_get(json_object_get(res, "props"), "room")),
                      "lobby");
  assert_int_equal(json_integer_value(json_object_get(res, "depth")), 1);
  call(f, code, "[\"X\", \"hi\", []]", &a[1]);
  assert_true(json_is_false(json_object_get(reply_of(&a[1]), "ok")));
  assert_string_equal(json_string_value(json_object_get(reply_of(&a[1]), "code")), "worker_not_found");
  json_decref(code);
  answer_free(a, 3);
}

/* The last background reply the (single) executor got, through an ok.js invocation. */
static json_t *last_bg_reply(fixture *f, json_t *ok) {
  answer_t a = {0};
  invoke(f, NULL, ok, NULL, &a);
  run_until(f, answered, &a, 5000);
  json_t *r = json_incref(json_object_get(value(&a), "lastBgReply"));
  json_decref(a.result);
  return r;
}

static void test_call_background(void **state) {
  fixture *f = *state;
  serve(f);
  start(f, &(dw__sup_config){.executors = 1});
  char extra[512];
  snprintf(extra, sizeof extra,
           "{\"env\": {\"H\": {\"$http\": {\"url\": \"http://127.0.0.1:%d/rpc\", "
           "\"headers\": {\"X-Key\": \"bg\"}}}}}",
           f->port);
  json_t *bg = code_of("bgcall.js", extra);
  json_t *ok = code_of("ok.js", NULL);
  json_object_set(f->registry, "bg", bg); /* resolve: revision 1 */
  json_t *args = json_loads("[\"H\", \"add\", [20, 22]]", 0, NULL);
  answer_t a[2] = {0};
  /* background work of the current revision: the key names the registered definition */
  invoke(f, "bg", bg, args, &a[0]);
  run_until(f, answered, &a[0], 5000);
  assert_int_equal(a[0].err, 0);
  json_t *r = NULL;
  for (int i = 0; i < 50 && (!r || json_is_null(r)); i++) {
    json_decref(r);
    run_ms(f, 20);
    r = last_bg_reply(f, ok);
  }
  assert_true(json_is_true(json_object_get(r, "ok")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "sum")), 42);
  assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"), "key")), "bg");
  json_decref(r);
  /* a key of another revision than the registered one is not honoured */
  dw__sup_invocation inv = {.kind = DW_SUP_RPC, .worker_id = "bg", .rev = 2, .code = bg,
                            .method = "m", .args = args};
  assert_int_equal(dw__sup_invoke(f->sup, &inv, on_done, &a[1], NULL), 0);
  run_until(f, answered, &a[1], 5000);
  run_ms(f, 50);
  r = last_bg_reply(f, ok);
  assert_true(json_is_false(json_object_get(r, "ok")));
  assert_string_equal(json_string_value(json_object_get(r, "code")), "worker_not_found");
  json_decref(r);
  json_decref(args);
  json_decref(bg);
  json_decref(ok);
  answer_free(a, 2);
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
  return n;
}

static void test_call_worker_depth(void **state) {
  fixture *f = *state;
  start(f, &(dw__sup_config){.executors = 1});
  /* "loop" calls itself with the args it got ([binding, method]), forever */
  json_object_set_new(f->registry, "loop",
                      code_of("call.js", "{\"env\": {\"SELF\": {\"$worker\": \"loop\"}}}"));
  json_t *code = code_of("call.js", "{\"env\": {\"SELF\": {\"$worker\": \"loop\"}}}");
  answer_t a[1] = {0};
  call(f, code, "[\"SELF\", \"m\"]", &a[0]);
  char *s = json_dumps(a[0].result, 0);
  /* the top level (depth 0) and eight nested levels each got a reply; the ninth is refused */
  assert_int_equal(count(s, "\"reply\""), 9);
  assert_int_equal(count(s, "nest deeper than 8"), 1);
  free(s);
  json_decref(code);
  answer_free(a, 1);
  run_ms(f, 50);
  assert_int_equal(stats(f).inflight, 0);
}

static void test_egress(void **state) {
  fixture *f = *state;
  serve(f);
  start(f, &(dw__sup_config){.executors = 1});
  json_object_set_new(f->registry, "gw", code_of("fetch.js", NULL));
  char req[256];
  snprintf(req, sizeof req,
           "[\"$egress\", \"fetch\", [{\"method\": \"POST\", \"url\": \"http://127.0.0.1:%d/x\", "
           "\"headers\": [[\"X-Gateway\", \"worker-set\"]]}], \"payload\"]",
           f->port);
  answer_t a[5] = {0};
  /* globalOutbound null (and absent): no network */
  json_t *none = code_of("call.js", "{\"globalOutbound\": null}");
  call(f, none, req, &a[0]);
  assert_true(json_is_false(json_object_get(reply_of(&a[0]), "ok")));
  assert_string_equal(json_string_value(json_object_get(reply_of(&a[0]), "code")), "outbound_blocked");
  json_t *absent = code_of("call.js", NULL);
  call(f, absent, req, &a[1]);
  assert_string_equal(json_string_value(json_object_get(reply_of(&a[1]), "code")), "outbound_blocked");
  /* an allow-list that names the host still refuses a private address (SSRF guard) */
  json_t *allow = code_of("call.js", "{\"globalOutbound\": {\"allow\": [\"127.0.0.1\"]}}");
  call(f, allow, req, &a[2]);
  assert_true(json_is_false(json_object_get(reply_of(&a[2]), "ok")));
  assert_string_equal(json_string_value(json_object_get(reply_of(&a[2]), "code")), "outbound_blocked");
  /* a $http gateway gets the request, the original URL and its own headers */
  char gw[256];
  snprintf(gw, sizeof gw,
           "{\"globalOutbound\": {\"$http\": {\"url\": \"http://127.0.0.1:%d/gw\", "
           "\"headers\": {\"X-Gateway\": \"host-set\"}}}}",
           f->port);
  json_t *http_gw = code_of("call.js", gw);
  call(f, http_gw, req, &a[3]);
  json_t *r = reply_of(&a[3]);
  assert_true(json_is_true(json_object_get(r, "ok")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "status")), 200);
  const char *body = json_string_value(json_object_get(value(&a[3]), "body"));
  char want[256];
  snprintf(want, sizeof want, "gateway POST url=http://127.0.0.1:%d/x gk=host-set body=payload",
           f->port);
  assert_string_equal(body, want);
  /* a $worker gateway: the worker's fetch handler answers */
  json_t *worker_gw = code_of("call.js", "{\"globalOutbound\": {\"$worker\": \"gw\"}}");
  call(f, worker_gw, req, &a[4]);
  r = reply_of(&a[4]);
  assert_true(json_is_true(json_object_get(r, "ok")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "status")), 200);
  snprintf(want, sizeof want, "fetched POST http://127.0.0.1:%d/x payload", f->port);
  assert_string_equal(json_string_value(json_object_get(value(&a[4]), "body")), want);
  assert_int_equal(stats(f).egress_requests, 5);
  json_decref(none);
  json_decref(absent);
  json_decref(allow);
  json_decref(http_gw);
  json_decref(worker_gw);
  answer_free(a, 5);
}

/* ---- WorkerCode and the header codec -------------------------------------------------- */

static void check_bad(const char *js, int want, const char *msg) {
  json_error_t je;
  json_t *c = json_loads(js, 0, &je);
  assert_non_null(c);
  char why[512] = "";
  int rc = dw__workercode_check(c, why, sizeof why);
  if (rc != want || !strstr(why, msg))
    fail_msg("%s: got %d '%s', want %d '%s'", js, rc, why, want, msg);
  json_decref(c);
}

static void check_good(const char *js) {
  json_t *c = json_loads(js, 0, NULL);
  assert_non_null(c);
  char why[512] = "";
  if (dw__workercode_check(c, why, sizeof why)) fail_msg("%s: %s", js, why);
  json_decref(c);
}

static void test_workercode(void **state) {
  check_good("{\"mainModule\": \"a.js\", \"modules\": {\"a.js\": \"export default {}\"}}");
  check_good("{\"compatibilityDate\": \"2026-01-01\", \"compatibilityFlags\": [\"x\"], "
             "\"mainModule\": \"m\", \"modules\": {\"m\": {\"js\": \"1\"}, \"t\": {\"text\": \"x\"}, "
             "\"d\": {\"data\": \"AAEC\"}, \"j\": {\"json\": {\"a\": [1]}}, \"w\": {\"wasm\": \"AGFzbQ==\"}, "
             "\"ts\": {\"ts\": \"let a: number = 1\"}, \"c\": {\"cjs\": \"module.exports = 1\"}}, "
             "\"env\": {\"A\": 1, \"B\": {\"x\": [1]}, \"H\": {\"$http\": {\"url\": \"http://127.0.0.1:1/\", "
             "\"headers\": {\"X-A\": \"b\"}}}, \"W\": {\"$worker\": \"id\", \"entrypoint\": \"E\", "
             "\"props\": {}}, \"L\": {\"$loader\": {}}}, \"globalOutbound\": null, "
             "\"limits\": {\"cpuMs\": 60000, \"wallMs\": 300000, \"memoryMb\": 4096, \"subRequests\": 100000}}");
  check_good("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": {\"allow\": [\"example.com\", \"*.x.org\"], "
             "\"inject\": {\"example.com\": {\"Authorization\": \"Bearer t\"}}}}");
  check_good("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": {\"$worker\": \"gw\"}}");
  check_good("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": {\"$http\": {\"url\": \"https://gw.example/\"}}}");

  check_bad("[]", DW_E_BAD_REQUEST, "WorkerCode: must be an object");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"extra\": 1}", DW_E_BAD_REQUEST, "extra: unknown field");
  check_bad("{\"modules\": {}}", DW_E_BAD_REQUEST, "modules: must be a non-empty object");
  check_bad("{\"mainModule\": \"b.js\", \"modules\": {\"a.js\": \"1\"}}", DW_E_BAD_REQUEST,
            "mainModule: 'b.js' is not a key of modules");
  check_bad("{\"modules\": {\"a.foo\": \"1\"}}", DW_E_BAD_REQUEST, "modules['a.foo']: unknown extension");
  check_bad("{\"modules\": {\"a.js\": 5}}", DW_E_BAD_REQUEST, "modules['a.js']: must be a string or");
  check_bad("{\"modules\": {\"a.js\": {\"js\": \"1\", \"text\": \"2\"}}}", DW_E_BAD_REQUEST,
            "modules['a.js']: must be a string or an object with exactly one");
  check_bad("{\"modules\": {\"a.js\": {\"python\": \"1\"}}}", DW_E_BAD_REQUEST,
            "modules['a.js'].python: unknown module type");
  check_bad("{\"modules\": {\"a\": {\"data\": \"not base64!\"}}}", DW_E_BAD_REQUEST,
            "modules['a'].data: must be base64");
  check_bad("{\"modules\": {\"a\": {\"js\": 1}}}", DW_E_BAD_REQUEST, "modules['a'].js: must be a string");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"compatibilityDate\": \"2026-13-01\"}", DW_E_BAD_REQUEST,
            "compatibilityDate: must be a date");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"compatibilityFlags\": [1]}", DW_E_BAD_REQUEST,
            "compatibilityFlags[0]: must be a string");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"limits\": {\"cpuMs\": 0}}", DW_E_BAD_REQUEST,
            "limits.cpuMs: must be a positive integer");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"limits\": {\"cpuMs\": 1.5}}", DW_E_BAD_REQUEST,
            "limits.cpuMs: must be a positive integer");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"limits\": {\"wallMs\": 300001}}", DW_E_BAD_REQUEST,
            "limits.wallMs: at most 300000");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"limits\": {\"memoryMb\": 4097}}", DW_E_BAD_REQUEST,
            "limits.memoryMb: at most 4096");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"limits\": {\"gpu\": 1}}", DW_E_BAD_REQUEST,
            "limits.gpu: unknown limit");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"env\": []}", DW_E_BAD_REQUEST, "env: must be an object");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"env\": {\"H\": {\"$http\": {\"url\": \"ftp://x/\"}}}}",
            DW_E_BAD_REQUEST, "env.H.$http.url: must be an http(s) URL");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"env\": {\"H\": {\"$http\": {\"url\": \"http://x/\", "
            "\"headers\": {\"Bad Name\": \"v\"}}}}}",
            DW_E_BAD_REQUEST, "env.H.$http.headers['Bad Name']: not a valid header");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"env\": {\"W\": {\"$worker\": 5}}}", DW_E_BAD_REQUEST,
            "env.W.$worker: must be a worker id");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"env\": {\"W\": {\"$worker\": \"x\", \"props\": 1}}}",
            DW_E_BAD_REQUEST, "env.W.props: must be an object");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"env\": {\"Q\": {\"$queue\": 1}}}", DW_E_BAD_REQUEST,
            "env.Q: unknown descriptor");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": 5}", DW_E_BAD_REQUEST,
            "globalOutbound: must be null");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": {\"allow\": [1]}}", DW_E_BAD_REQUEST,
            "globalOutbound.allow[0]: must be a host pattern");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": {\"allow\": [], \"deny\": []}}",
            DW_E_BAD_REQUEST, "globalOutbound.deny: unknown field");
  check_bad("{\"modules\": {\"a.js\": \"1\"}, \"globalOutbound\": {\"$loader\": {}}}", DW_E_BAD_REQUEST,
            "globalOutbound: a $loader cannot be used here");
  /* size caps */
  size_t big = ((size_t)1 << 20) + 10;
  char *s = malloc(big + 1);
  memset(s, 'a', big);
  s[big] = 0;
  json_t *c = json_pack("{s:{s:s}, s:{s:s}}", "modules", "a.js", "1", "env", "BIG", s);
  char why[256];
  assert_int_equal(dw__workercode_check(c, why, sizeof why), DW_E_TOO_LARGE);
  assert_non_null(strstr(why, "env: larger than 1 MiB"));
  json_decref(c);
  free(s);
}

static void test_ipc_header(void **state) {
  uint8_t h[DW_IPC_HEADER];
  dw__ipc_header d;
  dw__ipc_header_put(h, DW_IPC_RESULT, 10, 20);
  assert_int_equal(dw__ipc_header_get(h, &d), 0);
  assert_int_equal(d.type, DW_IPC_RESULT);
  assert_int_equal(d.json_len, 10);
  assert_int_equal(d.bin_len, 20);
  dw__ipc_header_put(h, 0, 10, 0);
  assert_int_equal(dw__ipc_header_get(h, &d), DW_E_BAD_REQUEST);
  dw__ipc_header_put(h, 9, 10, 0);
  assert_int_equal(dw__ipc_header_get(h, &d), DW_E_BAD_REQUEST);
  dw__ipc_header_put(h, DW_IPC_HELLO, 0, 0);
  assert_int_equal(dw__ipc_header_get(h, &d), DW_E_BAD_REQUEST);
  dw__ipc_header_put(h, DW_IPC_HELLO, 2, 0);
  h[2] = 1;
  assert_int_equal(dw__ipc_header_get(h, &d), DW_E_BAD_REQUEST);
  dw__ipc_header_put(h, DW_IPC_HELLO, DW_IPC_MAX_JSON + 1, 0);
  assert_int_equal(dw__ipc_header_get(h, &d), DW_E_TOO_LARGE);
  dw__ipc_header_put(h, DW_IPC_HELLO, 2, DW_IPC_MAX_BIN + 1);
  assert_int_equal(dw__ipc_header_get(h, &d), DW_E_TOO_LARGE);
  /* round trip over a socketpair */
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal(dw__ipc_write(sv[0], DW_IPC_CALL, "{\"a\":1}", 7, "xyz", 3), 0);
  uint8_t type;
  char *js;
  void *bin;
  size_t jn, bn;
  assert_int_equal(dw__ipc_read(sv[1], &type, &js, &jn, &bin, &bn), 0);
  assert_int_equal(type, DW_IPC_CALL);
  assert_string_equal(js, "{\"a\":1}");
  assert_int_equal(bn, 3);
  assert_memory_equal(bin, "xyz", 3);
  free(js);
  free(bin);
  close(sv[0]);
  assert_int_equal(dw__ipc_read(sv[1], &type, &js, &jn, &bin, &bn), DW_E_IO);
  close(sv[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipc_header),
      cmocka_unit_test(test_workercode),
      cmocka_unit_test_setup_teardown(test_ok_warm_routing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deadline_kill_quarantine, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sleeping_executor, setup, teardown),
      cmocka_unit_test_setup_teardown(test_crash_respawn, setup, teardown),
      cmocka_unit_test_setup_teardown(test_malformed_frames, setup, teardown),
      cmocka_unit_test_setup_teardown(test_overload_queue, setup, teardown),
      cmocka_unit_test_setup_teardown(test_need_code_forget, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rss_ceiling, setup, teardown),
      cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_drain_idle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_abandon, setup, teardown),
      cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
      cmocka_unit_test_setup_teardown(test_groups_busy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hello_timeout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_retire_with_late_answer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_http, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_worker, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_worker_depth, setup, teardown),
      cmocka_unit_test_setup_teardown(test_call_background, setup, teardown),
      cmocka_unit_test_setup_teardown(test_egress, setup, teardown),
  };
  if (getenv("DW_TEST_FILTER")) cmocka_set_test_filter(getenv("DW_TEST_FILTER"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
