/* supervisor executors: starting an executor process, its frames in both directions, its
 * death (kill, exit, respawn with backoff), and the 100 ms check of every process (reaped?
 * RSS past the ceiling? not reading its channel?). Every frame from an executor is hostile:
 * it is bounded by the header codec, parsed with duplicate keys refused, and checked field
 * by field; anything malformed kills the executor (docs/internals/supervisor.md). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/buffer.h>
#include "sup_internal.h"

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

/* The INVOKE for `inv`, with the code: globalOutbound stripped and the headers of $http
 * bindings removed (their secrets stay here; calls.c restores them). */
int dw__sup_send_invoke(sup_inv *inv, bool with_code) {
  int rc;
  if (!with_code) return dw__sup_send(inv->ex, DW_IPC_INVOKE, inv->msg, inv->body, inv->body_len);
  json_t *m = json_copy(inv->msg), *c = json_copy(inv->code);
  if (!m || !c) {
    rc = DW_E_NOMEM;
    goto out;
  }
  json_object_del(c, "globalOutbound");
  json_t *env = json_object_get(c, "env");
  if (json_is_object(env)) {
    json_t *red = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(env, k, v) json_object_set_new(red, k, dw__sup_redact(v));
    json_object_set_new(c, "env", red);
  }
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
  if (e->state == EX_DOWN && !e->stopping) dw__sup_exec_spawn(e);
}

/* The process is gone or must go: kill it, answer what it held, schedule the respawn. */
void dw__sup_exec_down(sup_exec *e, const char *why, sup_inv *guilty, int guilty_err,
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
      dw__sup_answer_err(inv, guilty_err, dw__limit_message(guilty_err), 0);
    } else {
      dw__sup_answer_err(inv, DW_E_EXECUTOR_LOST,
                 "the executor process running this invocation was lost; retry", 1);
    }
  }
  if (!e->stopping) {
    struct timeval tv = dw__sup_tv(e->backoff_ms);
    evtimer_add(e->respawn_timer, &tv);
    e->backoff_ms = DW_MIN(e->backoff_ms * 2, DW__SUP_BACKOFF_MAX_MS);
  }
  dw__sup_pump(e->g); /* the others may take the queue */
}

void dw__sup_kill(sup_exec *e, const char *why, sup_inv *guilty, int guilty_err) {
  dw__sup_exec_down(e, why, guilty, guilty_err, true);
}

static void hello_timeout_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup_kill(arg, "it did not say HELLO in time", NULL, 0);
}

/* ---- Frames in ------------------------------------------------------------------------- */

void dw__sup_exec_init(sup_exec *e, sup_group *g, unsigned slot) {
  e->s = g->s;
  e->g = g;
  e->slot = slot;
  e->backoff_ms = DW__SUP_BACKOFF_MIN_MS;
  e->hello_timer = evtimer_new(g->s->base, hello_timeout_cb, e);
  e->respawn_timer = evtimer_new(g->s->base, respawn_cb, e);
  DW_ASSERT(e->hello_timer && e->respawn_timer);
}

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

bool dw__sup_headers_ok(const json_t *h) {
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
  if (e->stopping) { /* started before a drain or a retirement: it is not needed */
    json_t *stop = json_object();
    dw__sup_send(e, DW_IPC_STOP, stop, NULL, 0);
    json_decref(stop);
    return 0;
  }
  dw__sup_pump(e->g);
  return 0;
}

static int on_need_code(sup_exec *e, json_t *msg) {
  uint64_t id;
  if (!get_u64(msg, "inv", &id)) return DW_E_BAD_REQUEST;
  sup_inv *inv = dw__sup_find_inv(e, id);
  if (!inv || inv->code_sent) return DW_E_BAD_REQUEST; /* asked twice, or for nothing */
  int rc = dw__sup_send_invoke(inv, true);
  if (rc) dw__sup_answer_err(inv, rc, NULL, 0);
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
  if (headers && !dw__sup_headers_ok(headers)) return DW_E_BAD_REQUEST;
  if (!has_response && bin_len) return DW_E_BAD_REQUEST;
  if (get_u64(msg, "warm", &warm)) e->warm = warm;
  e->backoff_ms = DW__SUP_BACKOFF_MIN_MS; /* it works: a later death respawns quickly */
  int st = has_response ? (int)json_integer_value(status) : 0;
  dw__sup_answer(inv, err, json_incref(r), NULL, 0, st, headers, bin, bin_len, has_response);
  dw__sup_pump(e->g);
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
  case DW_IPC_CALL: rc = dw__sup_on_call(e, msg, bin, bn); break;
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
    dw__sup_exec_down(e, e->stopping ? NULL : "the executor exited", NULL, 0, false);
}

/* ---- Spawning ---------------------------------------------------------------------------- */

void dw__sup_exec_spawn(sup_exec *e) {
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
  struct timeval tv = dw__sup_tv(e->s->cfg.hello_ms);
  evtimer_add(e->hello_timer, &tv);
  return;
fail:
  fprintf(stderr, "dynworker: could not start an executor: %s\n", strerror(errno));
  if (sv[0] >= 0) close(sv[0]);
  if (sv[1] >= 0) close(sv[1]);
  struct timeval rt = dw__sup_tv(e->backoff_ms);
  evtimer_add(e->respawn_timer, &rt);
  e->backoff_ms = DW_MIN(e->backoff_ms * 2, DW__SUP_BACKOFF_MAX_MS);
}

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

/* The resident memory of an executor: its process and the ones below it (the executor
 * proper runs as pid 1 of a PID namespace, below a small reaper: contain.h). Bounded: at
 * most 8 processes are read (an executor cannot fork: seccomp). */
static uint64_t tree_rss(pid_t pid) {
  pid_t todo[8] = {pid};
  size_t n = 1;
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    total += statm_rss(todo[i]);
    char path[96], buf[256];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)todo[i], (int)todo[i]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = 0;
    for (char *p = buf, *end; n < DW_ARRAY_LEN(todo); p = end) {
      long c = strtol(p, &end, 10);
      if (end == p) break;
      if (c > 0) todo[n++] = (pid_t)c;
    }
  }
  return total;
}

void dw__sup_tick_cb(evutil_socket_t fd, short what, void *arg) {
  dw__sup *s = arg;
  size_t j = 0;
  for (size_t i = 0; i < s->n_reap; i++)
    if (waitpid(s->reap[i], NULL, WNOHANG) == 0) s->reap[j++] = s->reap[i];
  s->n_reap = j;
  dw__sup_quarantine_expire(s);
  uint64_t rss_cap = (uint64_t)s->cfg.rss_mb << 20;
  for (unsigned gi = 0; gi < s->n_groups; gi++) {
    sup_group *g = s->groups[gi];
    for (unsigned i = 0; i < g->n; i++) {
      sup_exec *e = &g->ex[i];
      if (e->state == EX_DOWN || e->pid <= 0) continue;
      int status;
      if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
        e->pid = 0; /* reaped */
        dw__sup_exec_down(e, "the executor exited", NULL, 0, false);
        continue;
      }
      e->rss_bytes = tree_rss(e->pid);
      if (e->rss_bytes > rss_cap) {
        /* Only when it held one invocation do we know whose memory it was. */
        sup_inv *guilty = e->n_inflight == 1 ? e->inflight : NULL;
        if (guilty) dw__sup_quarantine_add(s, g->tenant, guilty->worker_id);
        dw__sup_kill(e, "its resident memory passed the ceiling", guilty, DW_E_MEMORY_LIMIT);
        continue;
      }
      if (e->bev && evbuffer_get_length(bufferevent_get_output(e->bev)) > DW__SUP_MAX_OUTPUT)
        dw__sup_kill(e, "it stopped reading its channel", NULL, 0);
    }
  }
}

