/* A sandbox in a child process, with the hard limits only a process boundary gives.
 *
 * The child runs the sandbox with the engine's own budget (watchdog, heap cap). A monitor
 * thread in the child watches what the engine cannot stop in-process (a WebAssembly loop,
 * a microtask storm between garbage collections, memory that is not JS heap) and ends the
 * process, after reporting the limit, at the limit plus a small grace. The parent holds a
 * last, hard wall-clock deadline and kills the child when it passes. Frames on the pipe:
 * 1 type byte, 4 length bytes (little endian), payload. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "contain.h"
#include "executor.h"

#define FRAME_MAX ((size_t)600 << 20)
#define MONITOR_TICK_NS 2000000u
#define LOGS_MAX_BYTES ((size_t)1 << 20)

enum { F_LOG = 'L', F_RESULT = 'R', F_VALUE = 'V', F_BODY = 'B', F_LIMIT = 'X', F_CODE = 'C',
       F_FATAL = 'F' };

/* ---- Child --------------------------------------------------------------------------- */

typedef struct {
  int fd;
  pthread_mutex_t lock;
  clockid_t main_clock;
  volatile bool armed;
  uint64_t cpu0, wall0;
  size_t rss0;
  uint64_t cpu_cap, wall_cap;
  size_t rss_cap;
} child_state;

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return DW_E_IO;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_frame(child_state *st, char type, const void *a, size_t an, const void *b,
                      size_t bn) {
  unsigned char hdr[5] = {(unsigned char)type};
  uint32_t len = (uint32_t)(an + bn);
  memcpy(hdr + 1, &len, 4);
  pthread_mutex_lock(&st->lock);
  int rc = write_all(st->fd, hdr, 5);
  if (!rc && an) rc = write_all(st->fd, a, an);
  if (!rc && bn) rc = write_all(st->fd, b, bn);
  pthread_mutex_unlock(&st->lock);
  return rc;
}

static uint64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


static _Noreturn void child_limit(child_state *st, int err) {
  const char *code = dw_err_code(err);
  send_frame(st, F_LIMIT, code, strlen(code), NULL, 0);
  _exit(3);
}

static void *monitor(void *arg) {
  child_state *st = arg;
  struct timespec tick = {0, MONITOR_TICK_NS};
  for (;;) {
    nanosleep(&tick, NULL);
    if (!st->armed) continue;
    if (clock_ns(st->main_clock) - st->cpu0 > st->cpu_cap) child_limit(st, DW_E_CPU_LIMIT);
    if (dw__now_ns() - st->wall0 > st->wall_cap) child_limit(st, DW_E_WALL_LIMIT);
    size_t rss = dw__rss_bytes();
    if (rss > st->rss0 && rss - st->rss0 > st->rss_cap) child_limit(st, DW_E_MEMORY_LIMIT);
  }
  return NULL;
}

static void child_log(void *user, const char *level, const char *msg, size_t len) {
  child_state *st = user;
  send_frame(st, F_LOG, level, strlen(level) + 1, msg, len);
}

/* Containment refused: say why on the channel, then end without running guest code. */
static _Noreturn void child_refuse(child_state *st, const char *msg) {
  send_frame(st, F_FATAL, msg, strlen(msg), NULL, 0);
  _exit(4);
}

static _Noreturn void child_main(const dw__contained_job *job, int fd, pid_t parent,
                                 int pid_ns_errno) {
  child_state st = {.fd = fd};
  pthread_mutex_init(&st.lock, NULL);
  pthread_getcpuclockid(pthread_self(), &st.main_clock);

  /* Containment, phase one (one thread: the namespaces). See contain.h. */
  int keep[2] = {fd, STDERR_FILENO}; /* stderr: for an engine or sanitizer abort message */
  dw__contain_opts co = {.phase = DW__CONTAIN_EARLY, .keep_fds = keep, .nkeep = 2,
                         .parent = parent, .channel = fd, .pid_ns_errno = pid_ns_errno,
                         .network = job->loader && job->loader->outbound,
                         .simulate_refused = job->contain_simulate_refused};
  dw__contain_report cr;
  dw__contain_report_init(&cr);
  if (dw__contain(&co, &cr)) child_refuse(&st, cr.message);

  dw_sandbox_options o = job->opts;
  o.allow_wasm = true; /* the process boundary stops WebAssembly loops */
  dw_sandbox *sb = NULL;
  /* The engine initialises (and reads /proc, /sys, /dev/urandom) with its first VM: before
   * the root is emptied. A loader makes its VMs later, so it gets a throwaway one now. */
  int rc = dw_sandbox_new(NULL, &o, &sb);
  if (rc) {
    fprintf(stderr, "dynworker: could not create the sandbox: %s\n", dw_strerror(rc));
    _exit(4);
  }
  if (job->loader) {
    dw_sandbox_free(sb);
    sb = NULL;
  } else {
    dw_sandbox_set_log_cb(sb, child_log, &st);
  }
  tzset(); /* the local time zone, read while /etc/localtime is still there */

  dw_limits l0 = o.limits;
  size_t mem0 = (size_t)(l0.memory_mb ? l0.memory_mb : 128) << 20;
  co.phase = DW__CONTAIN_LATE;
  co.as_headroom = ((size_t)8 << 30) + 4 * (mem0 + ((size_t)512 << 20));
  if (dw__contain(&co, &cr)) child_refuse(&st, cr.message);

  dw_limits l = o.limits;
  uint64_t grace = (uint64_t)(job->grace_ms ? job->grace_ms : 50) * 1000000u;
  st.cpu_cap = (uint64_t)(l.cpu_ms ? l.cpu_ms : 1000) * 1000000u + grace;
  st.wall_cap = (uint64_t)(l.wall_ms ? l.wall_ms : 10000) * 1000000u + grace;
  size_t mem = (size_t)(l.memory_mb ? l.memory_mb : 128) << 20;
  st.rss_cap = mem + DW_MAX(mem / 2, (size_t)64 << 20);
  if (job->loader) {
    st.cpu_cap = st.wall_cap; /* the process's CPU is the sum of its workers' */
    /* Above the engine's in-entry ceiling (cap + max(cap, 256 MB)), so that a dynamic
     * worker's memory storm ends that worker, not the whole run. */
    st.rss_cap = mem + DW_MAX(mem, (size_t)256 << 20) + ((size_t)128 << 20);
#if defined(__SANITIZE_ADDRESS__)
    st.rss_cap *= 2; /* AddressSanitizer's shadow and quarantine roughly double the RSS */
#endif
  }
  pthread_t th;
  if (pthread_create(&th, NULL, monitor, &st) != 0) _exit(4); /* fail closed */
  st.rss0 = dw__rss_bytes();
  st.cpu0 = clock_ns(st.main_clock);
  st.wall0 = dw__now_ns();
  st.armed = true;

  dw_result *r = NULL;
  if (job->loader) dw__loader_run(job->loader, &o, job->code, job->inv, child_log, &st, &r, NULL);
  else dw_sandbox_run(sb, job->code, job->inv, &r);
  st.armed = false;
  if (!r) _exit(4);
  const char *v = dw_result_value_json(r);
  if (v) send_frame(&st, F_VALUE, v, strlen(v), NULL, 0);
  size_t blen = 0;
  const void *body = dw_result_body(r, &blen);
  if (body) send_frame(&st, F_BODY, body, blen, NULL, 0);
  const char *code = dw_err_code(dw_result_error(r));
  send_frame(&st, F_CODE, code, strlen(code), NULL, 0);
  const char *json = dw_result_json(r);
  send_frame(&st, F_RESULT, json, strlen(json), NULL, 0);
  _exit(0);
}

/* ---- Parent ----------------------------------------------------------------------------- */

typedef struct {
  dw_buf in;      /* bytes not yet framed */
  dw_buf logs;    /* JSON items for a synthesised result */
  size_t nlogs;
  const dw__contained_job *job;
  dw__contained_result *out;
  char limit[64];
  char fatal[256]; /* why the child refused to start */
} parent_state;

static void on_frame(parent_state *ps, char type, const char *p, size_t n) {
  dw__contained_result *out = ps->out;
  switch (type) {
  case F_LOG: {
    size_t l = strnlen(p, n);
    const char *level = p;
    const char *msg = l < n ? p + l + 1 : "";
    size_t mlen = l < n ? n - l - 1 : 0;
    if (ps->job->on_log) ps->job->on_log(ps->job->user, level, msg, mlen);
    size_t mark = ps->logs.len;
    int rc = ps->nlogs ? dw__buf_putc(&ps->logs, ',') : 0;
    if (!rc) rc = dw__buf_puts(&ps->logs, "{\"level\":");
    if (!rc) rc = dw__buf_json_str(&ps->logs, level, l);
    if (!rc) rc = dw__buf_puts(&ps->logs, ",\"message\":");
    if (!rc) rc = dw__buf_json_str(&ps->logs, msg, mlen);
    if (!rc) rc = dw__buf_printf(&ps->logs, ",\"ts\":%.0f}", dw__epoch_ms());
    if (rc) ps->logs.len = mark;
    else ps->nlogs++;
    break;
  }
  case F_RESULT:
    free(out->json);
    out->json = dw__strndup(p, n);
    break;
  case F_VALUE:
    free(out->value_json);
    out->value_json = dw__strndup(p, n);
    break;
  case F_BODY:
    free(out->body);
    out->body = dw__memdup(p, n);
    out->body_len = n;
    out->has_body = out->body != NULL;
    break;
  case F_CODE: {
    char code[64];
    snprintf(code, sizeof code, "%.*s", (int)DW_MIN(n, 63), p);
    out->err = dw_err_from_code(code);
    break;
  }
  case F_LIMIT:
    snprintf(ps->limit, sizeof ps->limit, "%.*s", (int)DW_MIN(n, 63), p);
    break;
  case F_FATAL:
    snprintf(ps->fatal, sizeof ps->fatal, "%.*s", (int)DW_MIN(n, 255), p);
    break;
  default:
    break;
  }
}

/* Consumes whole frames from ps->in. */
static int drain_frames(parent_state *ps) {
  size_t off = 0;
  while (ps->in.len - off >= 5) {
    uint32_t len;
    memcpy(&len, ps->in.data + off + 1, 4);
    if (len > FRAME_MAX) return DW_E_TOO_LARGE;
    if (ps->in.len - off - 5 < len) break;
    on_frame(ps, ps->in.data[off], ps->in.data + off + 5, len);
    off += 5 + len;
  }
  memmove(ps->in.data, ps->in.data + off, ps->in.len - off);
  ps->in.len -= off;
  return 0;
}

static void synthesise(parent_state *ps, int err, const char *message, double cpu_ms,
                       double wall_ms) {
  dw__contained_result *out = ps->out;
  dw_buf b;
  dw__buf_init(&b, LOGS_MAX_BYTES + 65536);
  const char *code = dw_err_code(err);
  dw__buf_puts(&b, "{\"ok\":false,\"result\":null,\"response\":null,\"logs\":[");
  if (ps->logs.len) dw__buf_append(&b, ps->logs.data, ps->logs.len);
  dw__buf_puts(&b, "],\"error\":{\"code\":");
  dw__buf_json_str(&b, code, strlen(code));
  dw__buf_puts(&b, ",\"name\":\"Error\",\"message\":");
  dw__buf_json_str(&b, message, strlen(message));
  dw__buf_printf(&b, ",\"stack\":\"\"},\"cpuMs\":%.3f,\"wallMs\":%.3f}", cpu_ms, wall_ms);
  free(out->json);
  out->json = dw__buf_steal(&b, NULL);
  free(out->value_json);
  out->value_json = NULL;
  free(out->body);
  out->body = NULL;
  out->has_body = false;
  out->err = err;
}

int dw__contained_run(const dw__contained_job *job, dw__contained_result *out) {
  memset(out, 0, sizeof *out);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return DW_E_IO;
  uint64_t t0 = dw__now_ns();
  pid_t parent = getpid();
  /* The child is pid 1 of a new PID namespace where the kernel allows (a raw clone is a
   * fork; this process has no other threads), else a plain fork (reported by the child). */
  int pid_ns_errno = 0;
  pid_t pid = dw__contain_fork(job->contain_simulate_refused, &pid_ns_errno);
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return DW_E_IO;
  }
  if (pid == 0) {
    close(fds[0]);
    child_main(job, fds[1], parent, pid_ns_errno);
  }
  close(fds[1]);

  parent_state ps = {.job = job, .out = out};
  dw__buf_init(&ps.in, FRAME_MAX + 5);
  dw__buf_init(&ps.logs, LOGS_MAX_BYTES);
  uint32_t wall_ms = job->opts.limits.wall_ms ? job->opts.limits.wall_ms : 10000;
  /* The last word: start-up, the wall limit, the child's own grace, then a margin. */
  uint64_t hard = t0 + ((uint64_t)wall_ms + 2000u) * 1000000u;
  bool killed = false;
  char chunk[65536];
  for (;;) {
    uint64_t now = dw__now_ns();
    if (now >= hard) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    int pr = poll(&pfd, 1, (int)((hard - now) / 1000000u) + 1);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (dw__buf_append(&ps.in, chunk, (size_t)n) || drain_frames(&ps)) {
      kill(pid, SIGKILL);
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  double wall = (double)(dw__now_ns() - t0) / 1e6;
  double cpu = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
               (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;

  if (killed) {
    synthesise(&ps, DW_E_WALL_LIMIT, dw__limit_message(DW_E_WALL_LIMIT), cpu, wall);
  } else if (ps.fatal[0]) {
    synthesise(&ps, DW_E_INTERNAL, ps.fatal, cpu, wall);
  } else if (ps.limit[0]) {
    int err = dw_err_from_code(ps.limit);
    synthesise(&ps, err, dw__limit_message(err), cpu, wall);
  } else if (!out->json) {
    char msg[160];
    if (WIFSIGNALED(status))
      snprintf(msg, sizeof msg, "the sandbox process died (signal %d)", WTERMSIG(status));
    else
      snprintf(msg, sizeof msg, "the sandbox process exited (status %d)", WEXITSTATUS(status));
    synthesise(&ps, DW_E_EXECUTOR_LOST, msg, cpu, wall);
  }
  dw__buf_free(&ps.in);
  dw__buf_free(&ps.logs);
  return out->err;
}

void dw__contained_result_free(dw__contained_result *r) {
  free(r->json);
  free(r->value_json);
  free(r->body);
  memset(r, 0, sizeof *r);
}
