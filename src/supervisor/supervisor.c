/* supervisor: executor processes, their frames, routing, deadlines, drain
 * (docs/internals/supervisor.md). Everything runs on the loop's thread. Every frame from an
 * executor is hostile: it is bounded by the header codec, parsed with duplicate keys
 * refused, and checked field by field; anything malformed kills the executor. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/buffer.h>
#include "executor/ipc.h"
#include "sup_internal.h"

#define KEYS_MAX 4096u /* warm keys remembered per group, for FORGET */

static void pump(sup_group *g);
static void exec_spawn(sup_exec *e);
static void gc_kick(dw__sup *s);

/* ---- Small helpers ------------------------------------------------------------------ */

static double ms_since(uint64_t t0) { return (double)(dw__now_ns() - t0) / 1e6; }

static struct timeval tv_ms(uint64_t ms) {
  struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
  return tv;
}

static uint64_t hash_str(const char *s) { /* FNV-1a: stable across runs and processes */
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

json_t *dw__sup_error_result(int err, const char *message, double wall_ms) {
  return json_pack("{s:b, s:n, s:n, s:[], s:{s:s, s:s, s:s, s:s}, s:i, s:f}", "ok", 0, "result",
                   "response", "logs", "error", "code", dw_err_code(err), "name", "Error",
                   "message", message ? message : dw_strerror(err), "stack", "", "cpuMs", 0,
                   "wallMs", wall_ms);
}

static const char *outcome_name(int err) {
  switch (err) {
  case 0: return "ok";
  case DW_E_CPU_LIMIT: return "exceededCpu";
  case DW_E_MEMORY_LIMIT: return "exceededMemory";
  case DW_E_WALL_LIMIT: return "exceededWallTime";
  case DW_E_EXECUTOR_LOST: return "executorLost";
  case DW_E_OVERLOADED: return "overloaded";
  default: return "exception";
  }
}

/* ---- Quarantine ------------------------------------------------------------------------- */

static void quarantine_add(dw__sup *s, const char *tenant, const char *id) {
  if (!id) return; /* one-shot code has no id to refuse */
  uint64_t until = dw__now_ns() + (uint64_t)s->cfg.quarantine_ms * 1000000u;
  for (size_t i = 0; i < s->n_quarantine; i++)
    if (!strcmp(s->quarantine[i].id, id) && !strcmp(s->quarantine[i].tenant, tenant)) {
      s->quarantine[i].until_ns = until;
      return;
    }
  if (s->n_quarantine == s->cap_quarantine) {
    size_t cap = s->cap_quarantine ? 2 * s->cap_quarantine : 8;
    void *p = realloc(s->quarantine, cap * sizeof *s->quarantine);
    if (!p) return;
    s->quarantine = p;
    s->cap_quarantine = cap;
  }
  char *a = dw__strdup(id), *b = dw__strdup(tenant);
  if (!a || !b) {
    free(a);
    free(b);
    return;
  }
  s->quarantine[s->n_quarantine].id = a;
  s->quarantine[s->n_quarantine].tenant = b;
  s->quarantine[s->n_quarantine].until_ns = until;
  s->n_quarantine++;
}

/* Seconds left of a quarantine (at least 1), or 0 when the id is not refused. */
static uint32_t quarantine_left(dw__sup *s, const char *tenant, const char *id) {
  if (!id) return 0;
  uint64_t now = dw__now_ns();
  for (size_t i = 0; i < s->n_quarantine; i++)
    if (!strcmp(s->quarantine[i].id, id) && !strcmp(s->quarantine[i].tenant, tenant) &&
        s->quarantine[i].until_ns > now)
      return (uint32_t)((s->quarantine[i].until_ns - now + 999999999u) / 1000000000u);
  return 0;
}

static void quarantine_expire(dw__sup *s) {
  uint64_t now = dw__now_ns();
  size_t j = 0;
  for (size_t i = 0; i < s->n_quarantine; i++) {
    if (s->quarantine[i].until_ns > now) {
      s->quarantine[j++] = s->quarantine[i];
    } else {
      free(s->quarantine[i].id);
      free(s->quarantine[i].tenant);
    }
  }
  s->n_quarantine = j;
}

/* ---- Invocations ------------------------------------------------------------------------ */

static void inv_free(sup_inv *inv) {
  dw__sup *s = inv->s;
  if (inv->prev_all) inv->prev_all->next_all = inv->next_all;
  else s->all = inv->next_all;
  if (inv->next_all) inv->next_all->prev_all = inv->prev_all;
  if (inv->timer) event_free(inv->timer);
  free(inv->worker_id);
  free(inv->key);
  json_decref(inv->code);
  json_decref(inv->msg);
  free(inv->body);
  free(inv);
}

static void unlink_from_exec(sup_inv *inv) {
  sup_exec *e = inv->ex;
  if (!e) return;
  for (sup_inv **pp = &e->inflight; *pp; pp = &(*pp)->next_ex)
    if (*pp == inv) {
      *pp = inv->next_ex;
      e->n_inflight--;
      break;
    }
  inv->ex = NULL;
  inv->next_ex = NULL;
}

static void unlink_from_queue(sup_inv *inv) {
  sup_group *g = inv->g;
  if (!g) return;
  sup_inv *prev = NULL;
  for (sup_inv *q = g->queue_head; q; prev = q, q = q->next_q)
    if (q == inv) {
      if (prev) prev->next_q = q->next_q;
      else g->queue_head = q->next_q;
      if (g->queue_tail == q) g->queue_tail = prev;
      g->queued--;
      break;
    }
  inv->next_q = NULL;
}

/* Answers an invocation and frees it. `result` is stolen (NULL: synthesised from err). */
static void answer(sup_inv *inv, int err, json_t *result, const char *message,
                   uint32_t retry_after_s, int status, const json_t *headers, const void *body,
                   size_t body_len, bool has_response) {
  dw__sup *s = inv->s;
  DW_ASSERT(!inv->answered);
  inv->answered = true;
  if (inv->ex) unlink_from_exec(inv);
  else unlink_from_queue(inv);
  if (inv->timer) event_del(inv->timer);
  double lat = ms_since(inv->t0_ns);
  if (!result) result = dw__sup_error_result(err, message, lat);
  if (s->cfg.on_event) {
    json_t *c = json_object_get(result, "cpuMs"), *w = json_object_get(result, "wallMs");
    dw__sup_event ev = {.tenant = inv->g ? inv->g->tenant : "default",
                        .worker_id = inv->worker_id,
                        .kind = inv->kind == DW_SUP_RPC ? "rpc"
                                : inv->kind == DW_SUP_FETCH ? "fetch" : "run",
                        .outcome = inv->abandoned && err == 0 ? "ok" : outcome_name(err),
                        .err = err,
                        .logs = json_object_get(result, "logs"),
                        .exceptions = NULL,
                        .cpu_ms = json_is_number(c) ? json_number_value(c) : 0,
                        .wall_ms = json_is_number(w) ? json_number_value(w) : 0,
                        .latency_ms = lat};
    s->cfg.on_event(s->cfg.event_user, &ev);
  }
  if (!inv->abandoned && inv->done) {
    dw__sup_outcome o = {.err = err, .result = result, .has_response = has_response,
                         .status = status, .headers = headers, .body = body,
                         .body_len = body_len, .retry_after_s = retry_after_s};
    inv->done(inv->user, &o);
  }
  json_decref(result);
  inv_free(inv);
  gc_kick(s);
}

static void answer_err(sup_inv *inv, int err, const char *message, uint32_t retry_after_s) {
  answer(inv, err, NULL, message, retry_after_s, 0, NULL, NULL, 0, false);
}

/* ---- Frames out ------------------------------------------------------------------------ */

int dw__sup_send(sup_exec *e, uint8_t type, const json_t *msg, const void *bin,
                 size_t bin_len) {
  if (!e->bev || e->state == EX_DOWN) return DW_E_EXECUTOR_LOST;
  char *js = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!js) return DW_E_NOMEM;
  size_t n = strlen(js);
  int rc = 0;
  if (n == 0 || n > DW_IPC_MAX_JSON || bin_len > DW_IPC_MAX_BIN) {
    rc = DW_E_TOO_LARGE;
    goto out;
  }
  uint8_t hdr[DW_IPC_HEADER];
  dw__ipc_header_put(hdr, type, (uint32_t)n, (uint32_t)bin_len);
  struct evbuffer *ob = bufferevent_get_output(e->bev);
  if (evbuffer_add(ob, hdr, sizeof hdr) || evbuffer_add(ob, js, n) ||
      (bin_len && evbuffer_add(ob, bin, bin_len)))
    rc = DW_E_NOMEM;
out:
  free(js);
  return rc;
}

/* The INVOKE for `inv`, with the code (globalOutbound stripped: its secrets stay here). */
static int send_invoke(sup_inv *inv, bool with_code) {
  int rc;
  if (!with_code) return dw__sup_send(inv->ex, DW_IPC_INVOKE, inv->msg, inv->body, inv->body_len);
  json_t *m = json_copy(inv->msg), *c = json_copy(inv->code);
  if (!m || !c) {
    rc = DW_E_NOMEM;
    goto out;
  }
  json_object_del(c, "globalOutbound");
  json_object_set(m, "code", c);
  rc = dw__sup_send(inv->ex, DW_IPC_INVOKE, m, inv->body, inv->body_len);
  inv->code_sent = true;
out:
  json_decref(m);
  json_decref(c);
  return rc;
}

/* ---- Executor death --------------------------------------------------------------------- */

static void reap_later(dw__sup *s, pid_t pid) {
  if (waitpid(pid, NULL, WNOHANG) == pid) return;
  if (s->n_reap == s->cap_reap) {
    size_t cap = s->cap_reap ? 2 * s->cap_reap : 8;
    pid_t *p = realloc(s->reap, cap * sizeof *p);
    if (!p) {
      waitpid(pid, NULL, 0); /* SIGKILLed: does not take long */
      return;
    }
    s->reap = p;
    s->cap_reap = cap;
  }
  s->reap[s->n_reap++] = pid;
}

static void respawn_cb(evutil_socket_t fd, short what, void *arg) {
  sup_exec *e = arg;
  if (e->state == EX_DOWN && !e->stopping) exec_spawn(e);
}

/* The process is gone or must go: kill it, answer what it held, schedule the respawn. */
static void exec_down(sup_exec *e, const char *why, sup_inv *guilty, int guilty_err,
                      bool killed) {
  dw__sup *s = e->s;
  if (e->state == EX_DOWN) return;
  if (e->pid > 0) {
    kill(e->pid, SIGKILL);
    reap_later(s, e->pid);
  }
  if (killed) s->st.executor_kills++;
  if (why && !e->stopping)
    fprintf(stderr, "dynworker: executor %d (tenant %s): %s\n", (int)e->pid, e->g->tenant, why);
  e->pid = 0;
  e->state = EX_DOWN;
  e->gen++;
  e->rss_bytes = 0;
  e->warm = 0;
  if (e->bev) {
    bufferevent_free(e->bev); /* safe inside its own callback: libevent defers it */
    e->bev = NULL;
  }
  evtimer_del(e->hello_timer);
  dw__sup_calls_drop(e); /* before answering: sub-invocations of its calls are abandoned */
  sup_inv *held = e->inflight;
  e->inflight = NULL;
  e->n_inflight = 0;
  while (held) {
    sup_inv *inv = held;
    held = inv->next_ex;
    inv->ex = NULL;
    inv->next_ex = NULL;
    if (inv == guilty) {
      answer_err(inv, guilty_err, dw__limit_message(guilty_err), 0);
    } else {
      answer_err(inv, DW_E_EXECUTOR_LOST,
                 "the executor process running this invocation was lost; retry", 1);
    }
  }
  if (!e->stopping) {
    struct timeval tv = tv_ms(e->backoff_ms);
    evtimer_add(e->respawn_timer, &tv);
    e->backoff_ms = DW_MIN(e->backoff_ms * 2, DW__SUP_BACKOFF_MAX_MS);
  }
  pump(e->g); /* the others may take the queue */
}

void dw__sup_kill(sup_exec *e, const char *why, sup_inv *guilty, int guilty_err) {
  exec_down(e, why, guilty, guilty_err, true);
}

static void hello_timeout_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup_kill(arg, "no HELLO within 10 s", NULL, 0);
}

/* ---- Frames in ------------------------------------------------------------------------- */

sup_inv *dw__sup_find_inv(sup_exec *e, uint64_t id) {
  for (sup_inv *inv = e->inflight; inv; inv = inv->next_ex)
    if (inv->id == id) return inv;
  return NULL;
}

static bool get_u64(const json_t *o, const char *k, uint64_t *out) {
  json_t *v = json_object_get(o, k);
  if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
  *out = (uint64_t)json_integer_value(v);
  return true;
}

static bool headers_ok(const json_t *h) {
  if (!json_is_array(h) || json_array_size(h) > DW__NET_MAX_RES_HEADERS * 4) return false;
  size_t i;
  json_t *p;
  json_array_foreach(h, i, p) {
    if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_string(json_array_get(p, 0)) ||
        !json_is_string(json_array_get(p, 1)))
      return false;
  }
  return true;
}

static int on_hello(sup_exec *e, json_t *msg) {
  dw__sup *s = e->s;
  uint64_t pid;
  json_t *steps = json_object_get(msg, "steps");
  if (e->state != EX_STARTING || !get_u64(msg, "pid", &pid) || !json_is_array(steps))
    return DW_E_BAD_REQUEST;
  size_t i;
  json_t *st;
  bool log = !s->hello_refusals_logged;
  json_array_foreach(steps, i, st) {
    json_t *name = json_object_get(st, "step"), *status = json_object_get(st, "status");
    json_t *detail = json_object_get(st, "detail");
    if (!json_is_string(name) || !json_is_string(status) || (detail && !json_is_string(detail) &&
                                                              !json_is_null(detail)))
      return DW_E_BAD_REQUEST;
    const char *stv = json_string_value(status);
    if (strcmp(stv, "ok") && strcmp(stv, "refused") && strcmp(stv, "failed"))
      return DW_E_BAD_REQUEST;
    if (log && strcmp(stv, "ok")) {
      fprintf(stderr, "dynworker: executor containment step %s %s%s%.200s\n",
              json_string_value(name), stv, json_is_string(detail) ? ": " : "",
              json_is_string(detail) ? json_string_value(detail) : "");
      s->hello_refusals_logged = true;
    }
  }
  evtimer_del(e->hello_timer);
  e->state = EX_READY;
  pump(e->g);
  return 0;
}

static int on_need_code(sup_exec *e, json_t *msg) {
  uint64_t id;
  if (!get_u64(msg, "inv", &id)) return DW_E_BAD_REQUEST;
  sup_inv *inv = dw__sup_find_inv(e, id);
  if (!inv || inv->code_sent) return DW_E_BAD_REQUEST; /* asked twice, or for nothing */
  int rc = send_invoke(inv, true);
  if (rc) answer_err(inv, rc, NULL, 0);
  return 0;
}

static int on_result(sup_exec *e, json_t *msg, const void *bin, size_t bin_len) {
  uint64_t id, warm;
  if (!get_u64(msg, "inv", &id)) return DW_E_BAD_REQUEST;
  sup_inv *inv = dw__sup_find_inv(e, id);
  json_t *r = json_object_get(msg, "result");
  if (!inv || !json_is_object(r) || !json_is_boolean(json_object_get(r, "ok")))
    return DW_E_BAD_REQUEST;
  json_t *logs = json_object_get(r, "logs"), *error = json_object_get(r, "error");
  if ((logs && !json_is_array(logs)) || (error && !json_is_null(error) && !json_is_object(error)))
    return DW_E_BAD_REQUEST;
  int err = 0;
  if (!json_is_true(json_object_get(r, "ok"))) {
    json_t *code = json_object_get(error, "code");
    if (!json_is_string(code)) return DW_E_BAD_REQUEST;
    err = dw_err_from_code(json_string_value(code));
    if (err == 0) return DW_E_BAD_REQUEST; /* ok:false with code "ok" */
  }
  json_t *status = json_object_get(msg, "status"), *headers = json_object_get(msg, "headers");
  bool has_response = status != NULL;
  if (has_response && (!json_is_integer(status) || json_integer_value(status) < 100 ||
                       json_integer_value(status) > 999))
    return DW_E_BAD_REQUEST;
  if (headers && !headers_ok(headers)) return DW_E_BAD_REQUEST;
  if (!has_response && bin_len) return DW_E_BAD_REQUEST;
  if (get_u64(msg, "warm", &warm)) e->warm = warm;
  e->backoff_ms = DW__SUP_BACKOFF_MIN_MS; /* it works: a later death respawns quickly */
  answer(inv, err, json_incref(r), NULL, 0, has_response ? (int)json_integer_value(status) : 0,
         headers, bin, bin_len, has_response);
  pump(e->g);
  return 0;
}

/* One whole frame from an executor. 0, or an error: the executor is killed. */
static int on_frame(sup_exec *e, uint8_t type, const char *js, size_t jn, const void *bin,
                    size_t bn) {
  json_error_t jerr;
  json_t *msg = json_loadb(js, jn, JSON_REJECT_DUPLICATES, &jerr);
  int rc = DW_E_BAD_REQUEST;
  if (!json_is_object(msg)) goto out;
  if (e->state != EX_READY && type != DW_IPC_HELLO) goto out;
  switch (type) {
  case DW_IPC_HELLO: rc = on_hello(e, msg); break;
  case DW_IPC_NEED_CODE: rc = on_need_code(e, msg); break;
  case DW_IPC_RESULT: rc = on_result(e, msg, bin, bn); break;
  case DW_IPC_CALL: rc = dw__sup_call(e, msg, bin, bn); break;
  default: rc = DW_E_BAD_REQUEST; break; /* a supervisor-to-executor type */
  }
out:
  json_decref(msg);
  return rc;
}

static void read_cb(struct bufferevent *bev, void *arg) {
  sup_exec *e = arg;
  uint64_t gen = e->gen;
  struct evbuffer *in = bufferevent_get_input(bev);
  for (;;) {
    size_t have = evbuffer_get_length(in);
    if (have < DW_IPC_HEADER) break;
    uint8_t hdr[DW_IPC_HEADER];
    dw__ipc_header h;
    evbuffer_copyout(in, hdr, sizeof hdr);
    if (dw__ipc_header_get(hdr, &h)) {
      dw__sup_kill(e, "sent a malformed frame header", NULL, 0);
      return;
    }
    size_t total = DW_IPC_HEADER + (size_t)h.json_len + h.bin_len;
    if (have < total) break;
    evbuffer_drain(in, DW_IPC_HEADER);
    char *js = malloc(h.json_len + 1u);
    void *bin = h.bin_len ? malloc(h.bin_len) : NULL;
    if (!js || (h.bin_len && !bin)) {
      free(js);
      free(bin);
      dw__sup_kill(e, "out of memory reading a frame", NULL, 0);
      return;
    }
    evbuffer_remove(in, js, h.json_len);
    js[h.json_len] = 0;
    if (h.bin_len) evbuffer_remove(in, bin, h.bin_len);
    int rc = on_frame(e, h.type, js, h.json_len, bin, h.bin_len);
    free(js);
    free(bin);
    if (e->gen != gen) return; /* it died while the frame was handled */
    if (rc) {
      dw__sup_kill(e, "sent a malformed frame", NULL, 0);
      return;
    }
  }
}

static void event_cb(struct bufferevent *bev, short what, void *arg) {
  sup_exec *e = arg;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
    exec_down(e, e->stopping ? NULL : "the executor exited", NULL, 0, false);
}

/* ---- Spawning ---------------------------------------------------------------------------- */

static void exec_spawn(sup_exec *e) {
  dw__sup *s = e->s;
  int sv[2] = {-1, -1};
  char mem[64], maxw[64];
  snprintf(mem, sizeof mem, "DW_EXECUTOR_MEMORY_MB=%" PRIu32, s->cfg.memory_mb);
  snprintf(maxw, sizeof maxw, "DW_EXECUTOR_MAX_WORKERS=%" PRIu32, s->cfg.max_workers);
  /* No secret of the daemon reaches an executor: not the parent's environment. The
   * sanitizer options only shape diagnostics of sanitizer builds. */
  const char *envp[8];
  size_t ne = 0;
  envp[ne++] = "PATH=/usr/bin:/bin";
  envp[ne++] = mem;
  envp[ne++] = maxw;
  if (s->cfg.contain_relaxed) envp[ne++] = "DW_EXECUTOR_CONTAIN_RELAXED=1";
  char san[3][512];
  const char *names[3] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
  for (int i = 0; i < 3; i++) {
    const char *v = getenv(names[i]);
    if (v && strlen(v) < 400) {
      snprintf(san[i], sizeof san[i], "%s=%s", names[i], v);
      envp[ne++] = san[i];
    }
  }
  envp[ne] = NULL;
  const char *argv[] = {s->cfg.exe, "__executor", NULL};
  pid_t parent = getpid();

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) goto fail;
  pid_t pid = fork();
  if (pid < 0) goto fail;
  if (pid == 0) {
    /* Only async-signal-safe calls from here to exec. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a dead daemon leaves no executor behind */
    if (getppid() != parent) _exit(126);
    if (sv[1] == DW_IPC_FD) {
      if (fcntl(DW_IPC_FD, F_SETFD, 0)) _exit(126);
    } else if (dup2(sv[1], DW_IPC_FD) != DW_IPC_FD) {
      _exit(126);
    }
    if (close_range(DW_IPC_FD + 1, ~0u, 0)) {
      struct rlimit rl;
      int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur
                                                                           : 65536;
      for (int fd = DW_IPC_FD + 1; fd < max; fd++) close(fd);
    }
    execve(s->cfg.exe, (char *const *)argv, (char *const *)envp);
    _exit(127);
  }
  close(sv[1]);
  sv[1] = -1;
  evutil_make_socket_nonblocking(sv[0]);
  e->bev = bufferevent_socket_new(s->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
  if (!e->bev) {
    close(sv[0]);
    kill(pid, SIGKILL);
    reap_later(s, pid);
    sv[0] = -1;
    goto fail;
  }
  sv[0] = -1;
  e->pid = pid;
  e->state = EX_STARTING;
  if (e->ever_started) s->st.executor_restarts++;
  e->ever_started = true;
  bufferevent_setcb(e->bev, read_cb, NULL, event_cb, e);
  bufferevent_enable(e->bev, EV_READ | EV_WRITE);
  struct timeval tv = tv_ms(DW__SUP_HELLO_MS);
  evtimer_add(e->hello_timer, &tv);
  return;
fail:
  fprintf(stderr, "dynworker: could not start an executor: %s\n", strerror(errno));
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  struct timeval rt = tv_ms(e->backoff_ms);
  evtimer_add(e->respawn_timer, &rt);
  e->backoff_ms = DW_MIN(e->backoff_ms * 2, DW__SUP_BACKOFF_MAX_MS);
}

/* ---- Groups ------------------------------------------------------------------------------ */

static void group_stop(sup_group *g) {
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    e->stopping = true;
    evtimer_del(e->respawn_timer);
    if (e->state == EX_READY) {
      json_t *m = json_object();
      dw__sup_send(e, DW_IPC_STOP, m, NULL, 0);
      json_decref(m);
    }
  }
}

/* Frees a group whose executors are down or stopping (killed here). */
static void group_free(sup_group *g) {
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    e->stopping = true;
    if (e->state != EX_DOWN) exec_down(e, NULL, NULL, 0, false);
    event_free(e->hello_timer);
    event_free(e->respawn_timer);
  }
  free(g->ex);
  free(g->tenant);
  json_decref(g->keys);
  free(g);
}

static sup_group *group_new(dw__sup *s, const char *tenant) {
  sup_group *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->s = s;
  g->tenant = dw__strdup(tenant);
  g->n = s->cfg.executors;
  g->ex = calloc(g->n, sizeof *g->ex);
  g->keys = json_object();
  if (!g->tenant || !g->ex || !g->keys) {
    json_decref(g->keys);
    free(g->tenant);
    free(g->ex);
    free(g);
    return NULL;
  }
  g->last_used_ns = dw__now_ns();
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    e->s = s;
    e->g = g;
    e->slot = i;
    e->backoff_ms = DW__SUP_BACKOFF_MIN_MS;
    e->hello_timer = evtimer_new(s->base, hello_timeout_cb, e);
    e->respawn_timer = evtimer_new(s->base, respawn_cb, e);
    DW_ASSERT(e->hello_timer && e->respawn_timer);
  }
  for (unsigned i = 0; i < g->n; i++) exec_spawn(&g->ex[i]);
  s->groups[s->n_groups++] = g;
  s->st.groups = s->n_groups;
  return g;
}

static bool group_idle(const sup_group *g) {
  if (g->queued) return false;
  for (unsigned i = 0; i < g->n; i++)
    if (g->ex[i].n_inflight || g->ex[i].n_calls) return false;
  return true;
}

/* The tenant's group, created on first use; when max_groups are alive the least recently
 * used idle one is retired. NULL when none can be (all busy) or out of memory. */
static sup_group *group_get(dw__sup *s, const char *tenant) {
  for (unsigned i = 0; i < s->n_groups; i++)
    if (!strcmp(s->groups[i]->tenant, tenant)) return s->groups[i];
  if (s->n_groups == s->cfg.max_groups) {
    int lru = -1;
    for (unsigned i = 0; i < s->n_groups; i++)
      if (group_idle(s->groups[i]) &&
          (lru < 0 || s->groups[i]->last_used_ns < s->groups[lru]->last_used_ns))
        lru = (int)i;
    if (lru < 0) return NULL;
    sup_group *old = s->groups[lru];
    s->groups[lru] = s->groups[--s->n_groups];
    s->st.groups = s->n_groups;
    group_stop(old); /* freed at the next safe point: we may be inside its callbacks */
    old->next_dead = s->dead_groups;
    s->dead_groups = old;
    gc_kick(s);
  }
  return group_new(s, tenant);
}

/* ---- Routing ----------------------------------------------------------------------------- */

static sup_exec *choose(sup_group *g, const sup_inv *inv) {
  unsigned max = g->s->cfg.max_inflight;
  if (inv->worker_id) {
    sup_exec *home = &g->ex[hash_str(inv->worker_id) % g->n];
    if (home->state == EX_READY && home->n_inflight < max) return home;
  }
  sup_exec *best = NULL;
  for (unsigned i = 0; i < g->n; i++) {
    sup_exec *e = &g->ex[i];
    if (e->state == EX_READY && e->n_inflight < max && (!best || e->n_inflight < best->n_inflight))
      best = e;
  }
  return best;
}

/* The invocation's one timer: a failure to answer from the loop, the wait in the queue,
 * or the hard deadline in an executor. */
static void inv_timer_cb(evutil_socket_t fd, short what, void *arg) {
  sup_inv *inv = arg;
  dw__sup *s = inv->s;
  if (inv->late_err) {
    answer_err(inv, inv->late_err, inv->late_why, inv->late_retry);
  } else if (inv->ex) {
    quarantine_add(s, inv->g->tenant, inv->worker_id);
    char why[160];
    snprintf(why, sizeof why, "invocation %" PRIu64 " passed its hard deadline", inv->id);
    dw__sup_kill(inv->ex, why, inv, DW_E_WALL_LIMIT);
  } else {
    answer_err(inv, DW_E_OVERLOADED,
               "no executor could take this invocation before its deadline; retry", 1);
  }
}

/* Sends `inv` to `e`; the hard deadline starts now. */
static void dispatch(sup_inv *inv, sup_exec *e) {
  inv->ex = e;
  inv->next_ex = e->inflight;
  e->inflight = inv;
  e->n_inflight++;
  inv->g->last_used_ns = dw__now_ns();
  int rc = send_invoke(inv, inv->key == NULL);
  if (rc) {
    answer_err(inv, rc, NULL, 0);
    return;
  }
  event_del(inv->timer);
  struct timeval tv = tv_ms((uint64_t)inv->wall_ms + inv->s->cfg.grace_ms);
  evtimer_add(inv->timer, &tv);
}

static void pump(sup_group *g) {
  while (g->queue_head) {
    sup_inv *inv = g->queue_head;
    sup_exec *e = choose(g, inv);
    if (!e) return;
    g->queue_head = inv->next_q;
    if (!g->queue_head) g->queue_tail = NULL;
    g->queued--;
    inv->next_q = NULL;
    dispatch(inv, e);
  }
}

/* ---- Loop-side housekeeping -------------------------------------------------------------- */

static void stop_all(dw__sup *s) {
  for (unsigned i = 0; i < s->n_groups; i++) group_stop(s->groups[i]);
}

static void gc_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  while (s->dead_groups) {
    sup_group *g = s->dead_groups;
    s->dead_groups = g->next_dead;
    group_free(g);
  }
  if (s->draining && s->drained && !s->all) {
    void (*cb)(void *) = s->drained;
    s->drained = NULL;
    event_del(s->drain_timer);
    stop_all(s);
    cb(s->drained_user);
  }
}

static void gc_kick(dw__sup *s) { event_active(s->gc, EV_TIMEOUT, 0); }

static uint64_t statm_rss(pid_t pid) {
  char path[64], buf[128];
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  unsigned long long size, res;
  if (sscanf(buf, "%llu %llu", &size, &res) != 2) return 0;
  return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  size_t j = 0;
  for (size_t i = 0; i < s->n_reap; i++)
    if (waitpid(s->reap[i], NULL, WNOHANG) == 0) s->reap[j++] = s->reap[i];
  s->n_reap = j;
  quarantine_expire(s);
  uint64_t rss_cap = (uint64_t)s->cfg.rss_mb << 20;
  for (unsigned gi = 0; gi < s->n_groups; gi++) {
    sup_group *g = s->groups[gi];
    for (unsigned i = 0; i < g->n; i++) {
      sup_exec *e = &g->ex[i];
      if (e->state == EX_DOWN || e->pid <= 0) continue;
      int status;
      if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
        e->pid = 0; /* reaped */
        exec_down(e, "the executor exited", NULL, 0, false);
        continue;
      }
      e->rss_bytes = statm_rss(e->pid);
      if (e->rss_bytes > rss_cap) {
        /* Only when it held one invocation do we know whose memory it was. */
        sup_inv *guilty = e->n_inflight == 1 ? e->inflight : NULL;
        if (guilty) quarantine_add(s, g->tenant, guilty->worker_id);
        dw__sup_kill(e, "its resident memory passed the ceiling", guilty, DW_E_MEMORY_LIMIT);
        continue;
      }
      if (e->bev && evbuffer_get_length(bufferevent_get_output(e->bev)) > DW__SUP_MAX_OUTPUT)
        dw__sup_kill(e, "it stopped reading its channel", NULL, 0);
    }
  }
}

/* ---- Net polling ------------------------------------------------------------------------- */

/* dw__net is a curl multi handle without socket callbacks: it is polled with timeout 0 from
 * a 1 ms timer, armed only while requests are in flight, so an idle daemon never wakes for
 * it and a busy one pays at most one cheap poll per millisecond (no thread, no locking). */
static void net_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  s->net_polling = false;
  int n = dw__net_poll(s->net, 0);
  if (n > 0) dw__sup_net_kick(s);
}

void dw__sup_net_kick(dw__sup *s) {
  if (s->net_polling || dw__net_in_flight(s->net) == 0) return;
  s->net_polling = true;
  struct timeval tv = tv_ms(DW__SUP_NET_TICK_MS);
  evtimer_add(s->net_timer, &tv);
}

/* ---- Public API -------------------------------------------------------------------------- */

int dw__sup_new(const dw__sup_config *cfg, dw__sup **out, char *why, size_t why_len) {
  *out = NULL;
  if (!cfg->base || !cfg->exe) {
    snprintf(why, why_len, "supervisor: a loop and an executable are required");
    return DW_E_BAD_REQUEST;
  }
  if (access(cfg->exe, X_OK)) {
    snprintf(why, why_len, "supervisor: %s is not executable: %s", cfg->exe, strerror(errno));
    return DW_E_IO;
  }
  dw__sup *s = calloc(1, sizeof *s);
  if (!s) return DW_E_NOMEM;
  s->cfg = *cfg;
  s->base = cfg->base;
  if (!s->cfg.executors) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    s->cfg.executors = n > 0 ? (unsigned)DW_MIN(n, 256) : 1;
  }
  if (!s->cfg.max_groups) s->cfg.max_groups = 16;
  if (!s->cfg.max_inflight) s->cfg.max_inflight = 64;
  if (!s->cfg.queue_max) s->cfg.queue_max = 1024;
  if (!s->cfg.memory_mb) s->cfg.memory_mb = 512;
  if (!s->cfg.rss_mb) s->cfg.rss_mb = 2 * s->cfg.memory_mb + 256;
  if (!s->cfg.grace_ms) s->cfg.grace_ms = 2000;
  if (!s->cfg.quarantine_ms) s->cfg.quarantine_ms = 10000;
  if (!s->cfg.max_workers) s->cfg.max_workers = 1000;
  s->next_id = 1;
  s->groups = calloc(s->cfg.max_groups, sizeof *s->groups);
  s->net = dw__net_new();
  s->tick = event_new(s->base, -1, EV_PERSIST, tick_cb, s);
  s->gc = event_new(s->base, -1, 0, gc_cb, s);
  s->net_timer = evtimer_new(s->base, net_cb, s);
  s->drain_timer = NULL;
  if (!s->groups || !s->net || !s->tick || !s->gc || !s->net_timer) {
    dw__sup_free(s);
    snprintf(why, why_len, "supervisor: out of memory");
    return DW_E_NOMEM;
  }
  struct timeval tv = tv_ms(DW__SUP_TICK_MS);
  evtimer_add(s->tick, &tv);
  if (!group_new(s, "default")) {
    dw__sup_free(s);
    snprintf(why, why_len, "supervisor: out of memory");
    return DW_E_NOMEM;
  }
  *out = s;
  return 0;
}

void dw__sup_free(dw__sup *s) {
  if (!s) return;
  /* No callback from here on: abandon everything first. */
  for (sup_inv *inv = s->all; inv; inv = inv->next_all) inv->abandoned = true;
  s->cfg.on_event = NULL;
  s->drained = NULL;
  for (unsigned i = 0; i < s->n_groups; i++) {
    s->groups[i]->queue_head = s->groups[i]->queue_tail = NULL; /* freed below */
    s->groups[i]->queued = 0;
    for (sup_inv *inv = s->all; inv; inv = inv->next_all)
      if (inv->g == s->groups[i]) inv->next_q = NULL;
    s->groups[i]->next_dead = s->dead_groups;
    s->dead_groups = s->groups[i];
  }
  s->n_groups = 0;
  while (s->dead_groups) {
    sup_group *g = s->dead_groups;
    s->dead_groups = g->next_dead;
    group_free(g); /* answers (silently) and frees what its executors held */
  }
  while (s->all) {
    s->all->ex = NULL;
    s->all->g = NULL;
    inv_free(s->all);
  }
  for (size_t i = 0; i < s->n_reap; i++) waitpid(s->reap[i], NULL, 0); /* SIGKILLed */
  free(s->reap);
  for (size_t i = 0; i < s->n_quarantine; i++) {
    free(s->quarantine[i].id);
    free(s->quarantine[i].tenant);
  }
  free(s->quarantine);
  dw__net_free(s->net);
  if (s->tick) event_free(s->tick);
  if (s->gc) event_free(s->gc);
  if (s->net_timer) event_free(s->net_timer);
  if (s->drain_timer) event_free(s->drain_timer);
  free(s->groups);
  free(s);
}

/* Warm key: opaque to executors; tenant, revision and id, unambiguous. */
static char *make_key(const char *tenant, uint64_t rev, const char *id) {
  dw_buf b;
  dw__buf_init(&b, 1u << 16);
  if (dw__buf_printf(&b, "%zu:%s%" PRIu64 ":%s", strlen(tenant), tenant, rev, id)) {
    dw__buf_free(&b);
    return NULL;
  }
  return dw__buf_steal(&b, NULL);
}

/* A failure answered later from the loop (dw__sup_invoke never calls `done` itself). */
static void fail_later(sup_inv *inv, int err, uint32_t retry, const char *msg) {
  inv->late_err = err;
  inv->late_retry = retry;
  snprintf(inv->late_why, sizeof inv->late_why, "%s", msg);
  struct timeval tv = {0, 0};
  evtimer_add(inv->timer, &tv);
}

/* Warm keys a group has routed, for FORGET. Bounded (KEYS_MAX, oldest out): a key that
 * falls out is only never forgotten explicitly; its revision is never routed to again, so
 * the executor's own LRU retires it. */
static void remember_key(sup_group *g, const char *key, const char *id, uint64_t rev) {
  if (json_object_get(g->keys, key)) return;
  if (json_object_size(g->keys) >= KEYS_MAX) {
    void *it = json_object_iter(g->keys);
    if (it) json_object_del(g->keys, json_object_iter_key(it));
  }
  json_object_set_new(g->keys, key, json_pack("[s, I]", id, (json_int_t)rev));
}

static const char *kind_name(dw__sup_kind k) {
  return k == DW_SUP_RPC ? "rpc" : k == DW_SUP_FETCH ? "fetch" : "run";
}

/* Limits sent to the executor: the code's, else the defaults (one place: sup_internal.h). */
static json_t *limits_of(const dw__sup *s, const json_t *code, bool one_shot, uint32_t *wall) {
  json_t *l = json_object_get(code, "limits");
  json_t *c = json_object_get(l, "cpuMs"), *w = json_object_get(l, "wallMs");
  json_t *m = json_object_get(l, "memoryMb"), *r = json_object_get(l, "subRequests");
  json_int_t cpu = json_is_integer(c) ? json_integer_value(c)
                   : one_shot ? DW__SUP_RUN_CPU_MS : DW__SUP_WORKER_CPU_MS;
  json_int_t wl = json_is_integer(w) ? json_integer_value(w)
                  : one_shot ? DW__SUP_RUN_WALL_MS : DW__SUP_WORKER_WALL_MS;
  json_int_t mem = json_is_integer(m) ? json_integer_value(m) : s->cfg.memory_mb;
  json_int_t sub = json_is_integer(r) ? json_integer_value(r) : DW__SUP_SUBREQUESTS;
  if (wl <= 0 || wl > 300000) wl = one_shot ? DW__SUP_RUN_WALL_MS : DW__SUP_WORKER_WALL_MS;
  *wall = (uint32_t)wl;
  return json_pack("{s:I, s:I, s:I, s:I}", "cpuMs", cpu, "wallMs", wl, "memoryMb", mem,
                   "subRequests", sub);
}

static json_t *opt_str(const char *s) { return s ? json_string(s) : json_null(); }

int dw__sup_invoke(dw__sup *s, const dw__sup_invocation *in, dw__sup_done done, void *user,
                   uint64_t *id) {
  if (id) *id = 0;
  if (!json_is_object(in->code) || (in->args && !json_is_array(in->args)) ||
      (in->kind == DW_SUP_RPC && !in->method) || in->kind > DW_SUP_RPC ||
      (in->req_headers && !headers_ok(in->req_headers)) || (in->props && !json_is_object(in->props)))
    return DW_E_BAD_REQUEST;
  if (s->draining) return DW_E_OVERLOADED;
  const char *tenant = in->tenant ? in->tenant : "default";
  sup_inv *inv = calloc(1, sizeof *inv);
  if (!inv) return DW_E_NOMEM;
  inv->s = s;
  inv->id = s->next_id++;
  inv->kind = in->kind;
  inv->rev = in->rev;
  inv->depth = in->depth;
  inv->done = done;
  inv->user = user;
  inv->t0_ns = dw__now_ns();
  inv->next_all = s->all;
  if (s->all) s->all->prev_all = inv;
  s->all = inv;
  inv->timer = evtimer_new(s->base, inv_timer_cb, inv);
  inv->code = json_deep_copy(in->code);
  if (in->worker_id) {
    inv->worker_id = dw__strdup(in->worker_id);
    inv->key = make_key(tenant, in->rev, in->worker_id);
  }
  if (in->req_body_len) {
    inv->body = dw__memdup(in->req_body, in->req_body_len);
    inv->body_len = in->req_body_len;
  }
  const json_t *go = json_object_get(in->code, "globalOutbound");
  uint32_t wall = 0;
  json_t *limits = limits_of(s, in->code, in->worker_id == NULL, &wall);
  inv->wall_ms = wall;
  inv->msg = json_pack("{s:I, s:o, s:s, s:o, s:o, s:o, s:b, s:I}", "inv", (json_int_t)inv->id,
                       "key", opt_str(inv->key), "kind", kind_name(in->kind), "entrypoint",
                       opt_str(in->entrypoint), "method", opt_str(in->method), "limits",
                       limits ? limits : json_null(), "egress", json_is_object(go), "depth",
                       (json_int_t)in->depth);
  if (inv->msg && in->args) json_object_set_new(inv->msg, "args", json_deep_copy(in->args));
  if (inv->msg && in->props) json_object_set_new(inv->msg, "props", json_deep_copy(in->props));
  if (inv->msg && (in->has_request || in->kind == DW_SUP_FETCH)) {
    json_t *h = in->req_headers ? json_deep_copy(in->req_headers) : json_array();
    json_object_set_new(inv->msg, "request",
                        json_pack("{s:s, s:s, s:o}", "method",
                                  in->req_method ? in->req_method : "GET", "url",
                                  in->req_url ? in->req_url : "http://localhost/", "headers", h));
  }
  if (!inv->timer || !inv->code || !inv->msg || (in->worker_id && (!inv->worker_id || !inv->key)) ||
      (in->req_body_len && !inv->body)) {
    inv_free(inv);
    return DW_E_NOMEM;
  }
  if (id) *id = inv->id;

  sup_group *g = group_get(s, tenant);
  inv->g = g;
  uint32_t q = quarantine_left(s, tenant, in->worker_id);
  if (!g) {
    fail_later(inv, DW_E_OVERLOADED, 1, "every tenant group is busy; retry");
  } else if (q) {
    fail_later(inv, DW_E_OVERLOADED, q,
               "this worker was stopped for overrunning a limit and is refused for a while");
  } else if (g->queued >= s->cfg.queue_max) {
    fail_later(inv, DW_E_OVERLOADED, 1, "too many invocations are waiting; retry");
  } else {
    if (inv->key) remember_key(g, inv->key, inv->worker_id, inv->rev);
    if (g->queue_tail) g->queue_tail->next_q = inv;
    else g->queue_head = inv;
    g->queue_tail = inv;
    g->queued++;
    struct timeval tv = tv_ms((uint64_t)inv->wall_ms + s->cfg.grace_ms);
    evtimer_add(inv->timer, &tv);
    pump(g);
  }
  return 0;
}

void dw__sup_abandon(dw__sup *s, uint64_t id) {
  for (sup_inv *inv = s->all; inv; inv = inv->next_all)
    if (inv->id == id) {
      inv->abandoned = true;
      return;
    }
}

void dw__sup_forget(dw__sup *s, const char *tenant, const char *worker_id) {
  const char *t = tenant ? tenant : "default";
  sup_group *g = NULL;
  for (unsigned i = 0; i < s->n_groups; i++)
    if (!strcmp(s->groups[i]->tenant, t)) g = s->groups[i];
  if (!g) return;
  /* The key of every revision this group has run of the id. */
  json_t *keys = g->keys;
  const char *k;
  json_t *v, *tmp;
  json_object_foreach_safe(keys, tmp, k, v) {
    const char *id = json_string_value(json_array_get(v, 0));
    if (!id || strcmp(id, worker_id)) continue;
    json_t *m = json_pack("{s:s}", "key", k);
    for (unsigned i = 0; m && i < g->n; i++)
      if (g->ex[i].state == EX_READY) dw__sup_send(&g->ex[i], DW_IPC_FORGET, m, NULL, 0);
    json_decref(m);
    json_object_del(keys, k);
  }
}

static void drain_timeout_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  while (s->all) {
    sup_inv *inv = s->all;
    if (inv->answered) break;
    answer_err(inv, DW_E_EXECUTOR_LOST, "the server is shutting down; retry", 1);
  }
  for (unsigned i = 0; i < s->n_groups; i++) {
    sup_group *g = s->groups[i];
    for (unsigned j = 0; j < g->n; j++) {
      g->ex[j].stopping = true;
      evtimer_del(g->ex[j].respawn_timer);
      exec_down(&g->ex[j], NULL, NULL, 0, false);
    }
  }
  gc_kick(s);
}

void dw__sup_drain(dw__sup *s, uint32_t grace_ms, void (*drained)(void *user), void *user) {
  s->draining = true;
  s->drained = drained;
  s->drained_user = user;
  if (!s->drain_timer) s->drain_timer = evtimer_new(s->base, drain_timeout_cb, s);
  struct timeval tv = tv_ms(grace_ms);
  if (s->drain_timer) evtimer_add(s->drain_timer, &tv);
  gc_kick(s);
}

void dw__sup_stats_get(const dw__sup *s, dw__sup_stats *out) {
  *out = s->st;
  out->executors_live = out->inflight = out->queued = out->rss_bytes = out->warm_workers = 0;
  for (unsigned gi = 0; gi < s->n_groups; gi++) {
    const sup_group *g = s->groups[gi];
    out->queued += g->queued;
    for (unsigned i = 0; i < g->n; i++) {
      const sup_exec *e = &g->ex[i];
      if (e->state == EX_READY) out->executors_live++;
      out->inflight += e->n_inflight;
      out->rss_bytes += e->rss_bytes;
      out->warm_workers += e->warm;
    }
  }
  uint64_t now = dw__now_ns(), q = 0;
  for (size_t i = 0; i < s->n_quarantine; i++)
    if (s->quarantine[i].until_ns > now) q++;
  out->quarantined = q;
  out->groups = s->n_groups;
}
