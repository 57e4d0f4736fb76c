/* mcp/client: spawn a stdio MCP server and list its tools (newline-delimited JSON-RPC 2.0). */
#include "mcp/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  pid_t pid;
  int in_fd;  /* the server's stdin (we write) */
  int out_fd; /* the server's stdout (we read) */
  int timeout_ms;
  long next_id;
  dw_buf rbuf; /* bytes read but not yet consumed as lines; max DW__MCP_MAX_LINE + chunk */
  char *why;
  size_t why_len;
} conn;

static int fail(conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(conn *c, int err, const char *fmt, ...) {
  if (c->why && c->why_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, c->why_len, fmt, ap);
    va_end(ap);
  }
  return err;
}

static const char *const inherited_env[] = {"PATH", "HOME", "USER", "LOGNAME", "SHELL",
                                            "TERM", "LANG", "TMPDIR"};

/* "K=V" strings for the child: the inherited minimum, overridden or extended by spec->env. */
static int build_env(const dw__mcp_stdio *spec, char ***envp_out, conn *c) {
  size_t n_extra = spec->env ? json_object_size(spec->env) : 0;
  if (n_extra > DW__MCP_MAX_ENV)
    return fail(c, DW_E_TOO_LARGE, "more than %d env entries", DW__MCP_MAX_ENV);
  char **envp = calloc(DW_ARRAY_LEN(inherited_env) + n_extra + 1, sizeof *envp);
  size_t n = 0;
  if (!envp) return DW_E_NOMEM;
  for (size_t i = 0; i < DW_ARRAY_LEN(inherited_env); i++) {
    const char *v = getenv(inherited_env[i]);
    if (!v || (spec->env && json_object_get(spec->env, inherited_env[i]))) continue;
    dw_buf b;
    dw__buf_init(&b, 1u << 20);
    if (dw__buf_printf(&b, "%s=%s", inherited_env[i], v)) { dw__buf_free(&b); continue; }
    envp[n++] = dw__buf_steal(&b, NULL);
  }
  if (spec->env) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)spec->env, k, v) {
      if (!json_is_string(v) || !*k || strchr(k, '=')) {
        for (size_t i = 0; i < n; i++) free(envp[i]);
        free(envp);
        return fail(c, DW_E_BAD_REQUEST, "env '%s' must be a name without '=' and a string value", k);
      }
      dw_buf b;
      dw__buf_init(&b, 1u << 20);
      if (dw__buf_printf(&b, "%s=%s", k, json_string_value(v))) { dw__buf_free(&b); continue; }
      envp[n++] = dw__buf_steal(&b, NULL);
    }
  }
  *envp_out = envp;
  return 0;
}

static void free_env(char **envp) {
  if (!envp) return;
  for (size_t i = 0; envp[i]; i++) free(envp[i]);
  free(envp);
}

/* fork + execvpe with pipes on fds 0 and 1; a close-on-exec status pipe carries exec's errno
 * back so that "no such command" is a spawn error, not "the server exited". */
static int spawn(const dw__mcp_stdio *spec, conn *c) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, st[2] = {-1, -1}, err = 0;
  char **envp = NULL, **argv = NULL;
  if ((err = build_env(spec, &envp, c))) goto out;
  argv = calloc(spec->n_args + 2, sizeof *argv);
  if (!argv) { err = DW_E_NOMEM; goto out; }
  argv[0] = (char *)spec->command;
  for (size_t i = 0; i < spec->n_args; i++) argv[i + 1] = (char *)spec->args[i];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(st, O_CLOEXEC)) {
    err = fail(c, DW_E_IO, "pipe: %s", strerror(errno));
    goto out;
  }
  pid_t pid = fork();
  if (pid < 0) { err = fail(c, DW_E_IO, "fork: %s", strerror(errno)); goto out; }
  if (pid == 0) {
    /* The child: only async-signal-safe calls until exec. Its own process group, so that
     * stop() also kills what a launcher (npx, uvx, a shell) started. */
    setpgid(0, 0);
    if (in[0] == 0 ? fcntl(0, F_SETFD, 0) < 0 : dup2(in[0], 0) < 0) _exit(127);
    if (out[1] == 1 ? fcntl(1, F_SETFD, 0) < 0 : dup2(out[1], 1) < 0) _exit(127);
    if (spec->quiet) {
      int nul = open("/dev/null", O_WRONLY);
      if (nul >= 0) dup2(nul, 2);
    }
    signal(SIGPIPE, SIG_DFL);
    execvpe(spec->command, argv, envp);
    int e = errno;
    ssize_t wr = write(st[1], &e, sizeof e);
    (void)wr;
    _exit(127);
  }
  close(st[1]);
  st[1] = -1;
  int e = 0;
  ssize_t r;
  do r = read(st[0], &e, sizeof e); while (r < 0 && errno == EINTR);
  if (r == (ssize_t)sizeof e) {
    waitpid(pid, NULL, 0);
    err = fail(c, DW_E_IO, "cannot run '%s': %s", spec->command, strerror(e));
    goto out;
  }
  c->pid = pid;
  if (fcntl(in[1], F_SETFL, O_NONBLOCK) < 0) {
    err = fail(c, DW_E_IO, "fcntl: %s", strerror(errno));
    goto out; /* c->pid is set: stop() kills and reaps it */
  }
  c->in_fd = in[1];
  c->out_fd = out[0];
  in[1] = out[0] = -1;
out:
  for (int i = 0; i < 2; i++) {
    if (in[i] >= 0) close(in[i]);
    if (out[i] >= 0) close(out[i]);
    if (st[i] >= 0) close(st[i]);
  }
  free(argv);
  free_env(envp);
  return err;
}

/* Kills the server's process group (a launcher's children too) while its leader, exited or
 * not, still holds the group's id, then reaps the leader. */
static int reap(conn *c) {
  int status = 0;
  kill(-c->pid, SIGKILL);
  kill(c->pid, SIGKILL);
  while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {}
  c->pid = 0;
  return status;
}

/* Whether the server has exited (without reaping it: its pid keeps naming its group). */
static bool exited(conn *c) {
  siginfo_t si = {0};
  return waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == c->pid;
}

/* "exited with status 3" / "was killed by signal 9" / "closed its stdout". Stops it. */
static void exit_note(conn *c, char *note, size_t n) {
  snprintf(note, n, "closed its stdout");
  if (c->pid <= 0) return;
  for (int i = 0; i < 50 && !exited(c); i++) /* up to 250 ms for it to finish exiting */
    dw__sleep_ns(5000000);
  bool done = exited(c);
  int status = reap(c);
  if (done && WIFEXITED(status)) snprintf(note, n, "exited with status %d", WEXITSTATUS(status));
  else if (done && WIFSIGNALED(status)) snprintf(note, n, "was killed by signal %d", WTERMSIG(status));
}

static int send_msg(conn *c, json_t *msg) {
  char *s = json_dumps(msg, JSON_COMPACT);
  int err = 0;
  if (!s) return DW_E_NOMEM;
  size_t n = strlen(s), off = 0;
  s[n] = '\n'; /* json_dumps's terminator becomes the line's end */
  while (off < n + 1) {
    ssize_t w = write(c->in_fd, s + off, n + 1 - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) { /* a server that does not read must not block us */
      struct pollfd p = {.fd = c->in_fd, .events = POLLOUT};
      int r = poll(&p, 1, c->timeout_ms);
      if (r == 0) {
        err = fail(c, DW_E_IO, "the server did not read its input within %d ms", c->timeout_ms);
        break;
      }
      continue;
    }
    if (w < 0) {
      char note[64];
      exit_note(c, note, sizeof note);
      err = fail(c, DW_E_IO, "the server %s (writing to it: %s)", note, strerror(errno));
      break;
    }
    off += (size_t)w;
  }
  free(s);
  return err;
}

/* The next non-empty line (NUL-terminated, caller frees) before `deadline_ns`. */
static int read_line(conn *c, uint64_t deadline_ns, const char *waiting_for, char **line) {
  for (;;) {
    char *nl = c->rbuf.len ? memchr(c->rbuf.data, '\n', c->rbuf.len) : NULL;
    if (nl) {
      size_t n = (size_t)(nl - c->rbuf.data);
      char *s = dw__strndup(c->rbuf.data, n);
      if (!s) return DW_E_NOMEM;
      memmove(c->rbuf.data, nl + 1, c->rbuf.len - n - 1);
      c->rbuf.len -= n + 1;
      c->rbuf.data[c->rbuf.len] = '\0';
      if (n && s[n - 1] == '\r') s[--n] = '\0';
      if (n == 0) { free(s); continue; }
      *line = s;
      return 0;
    }
    if (c->rbuf.len > DW__MCP_MAX_LINE)
      return fail(c, DW_E_TOO_LARGE, "a message from the server is longer than %u bytes",
                  DW__MCP_MAX_LINE);
    uint64_t now = dw__now_ns();
    if (now >= deadline_ns)
      return fail(c, DW_E_IO, "no answer to %s within %d ms", waiting_for, c->timeout_ms);
    struct pollfd p = {.fd = c->out_fd, .events = POLLIN};
    int ms = (int)((deadline_ns - now + 999999) / 1000000);
    int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(c, DW_E_IO, "poll: %s", strerror(errno));
    if (r == 0) continue;
    char chunk[65536];
    ssize_t got = read(c->out_fd, chunk, sizeof chunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) return fail(c, DW_E_IO, "reading from the server: %s", strerror(errno));
    if (got == 0) {
      char note[64];
      exit_note(c, note, sizeof note);
      return fail(c, DW_E_IO, "the server %s before answering %s", note, waiting_for);
    }
    if (dw__buf_append(&c->rbuf, chunk, (size_t)got))
      return fail(c, DW_E_TOO_LARGE, "a message from the server is longer than %u bytes",
                  DW__MCP_MAX_LINE);
  }
}

/* Sends request `method` and waits for its response; server requests meanwhile get "method
 * not found", notifications and stray responses are skipped. `*result` is owned. */
static int request(conn *c, const char *method, json_t *params, json_t **result) {
  long id = ++c->next_id;
  json_t *msg = json_pack("{s:s, s:i, s:s, s:O}", "jsonrpc", "2.0", "id", (json_int_t)id,
                          "method", method, "params", params);
  int err;
  if (!msg) return DW_E_NOMEM;
  err = send_msg(c, msg);
  json_decref(msg);
  if (err) return err;
  uint64_t deadline = dw__now_ns() + (uint64_t)c->timeout_ms * 1000000u;
  for (size_t skipped = 0; skipped <= DW__MCP_MAX_SKIPPED; skipped++) {
    char *line = NULL;
    if ((err = read_line(c, deadline, method, &line))) return err;
    json_error_t je;
    json_t *m = json_loads(line, JSON_REJECT_DUPLICATES, &je);
    if (!m || !json_is_object(m)) {
      err = fail(c, DW_E_BAD_RESULT, "malformed JSON-RPC message from the server (%s): %.80s",
                 m ? "not an object" : je.text, line);
      free(line);
      json_decref(m);
      return err;
    }
    free(line);
    json_t *mid = json_object_get(m, "id");
    if (json_is_string(json_object_get(m, "method"))) {
      if (mid && !json_is_null(mid)) { /* a request to us: we offer no client features */
        json_t *r = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", mid, "error",
                              "code", -32601, "message", "method not found");
        err = r ? send_msg(c, r) : DW_E_NOMEM;
        json_decref(r);
        if (err) { json_decref(m); return err; }
      }
      json_decref(m);
      continue;
    }
    if (!json_is_integer(mid) || json_integer_value(mid) != id) { json_decref(m); continue; }
    json_t *e = json_object_get(m, "error");
    if (e) {
      json_t *code = json_object_get(e, "code");
      const char *text = json_string_value(json_object_get(e, "message"));
      err = fail(c, DW_E_BAD_RESULT, "%s failed: JSON-RPC error %lld: %.200s", method,
                 json_is_integer(code) ? (long long)json_integer_value(code) : 0LL,
                 text ? text : "(no message)");
      json_decref(m);
      return err;
    }
    json_t *res = json_object_get(m, "result");
    if (!json_is_object(res)) {
      json_decref(m);
      return fail(c, DW_E_BAD_RESULT, "the answer to %s has no result object", method);
    }
    *result = json_incref(res);
    json_decref(m);
    return 0;
  }
  return fail(c, DW_E_TOO_LARGE, "more than %d other messages while waiting for %s",
              DW__MCP_MAX_SKIPPED, method);
}

static int notify(conn *c, const char *method) {
  json_t *msg = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
  int err = msg ? send_msg(c, msg) : DW_E_NOMEM;
  json_decref(msg);
  return err;
}

static char *opt_str(json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? dw__strdup(s) : NULL;
}

/* Appends the tools of one tools/list page. */
static int add_tools(conn *c, json_t *page, dw__mcp_tools *out) {
  json_t *tools = json_object_get(page, "tools");
  if (!json_is_array(tools)) return fail(c, DW_E_BAD_RESULT, "tools/list: no 'tools' array");
  size_t n = json_array_size(tools);
  if (out->n_tools + n > 4096)
    return fail(c, DW_E_TOO_LARGE, "the server lists more than 4096 tools");
  dw__mcp_tool *t = realloc(out->tools, (out->n_tools + n + 1) * sizeof *t);
  if (!t) return DW_E_NOMEM;
  out->tools = t;
  for (size_t i = 0; i < n; i++) {
    json_t *j = json_array_get(tools, i);
    const char *name = json_string_value(json_object_get(j, "name"));
    if (!name || !*name) return fail(c, DW_E_BAD_RESULT, "tools/list: a tool without a name");
    dw__mcp_tool *d = &out->tools[out->n_tools];
    memset(d, 0, sizeof *d);
    d->name = dw__strdup(name);
    d->description = opt_str(j, "description");
    json_t *in = json_object_get(j, "inputSchema"), *os = json_object_get(j, "outputSchema");
    d->input_schema = in ? json_incref(in) : NULL;
    d->output_schema = os ? json_incref(os) : NULL;
    out->n_tools++;
    if (!d->name) return DW_E_NOMEM;
  }
  return 0;
}

static void stop(conn *c) {
  if (c->in_fd >= 0) close(c->in_fd);
  c->in_fd = -1;
  for (int i = 0; i < 20 && c->pid > 0 && !exited(c); i++) /* 100 ms to exit on EOF */
    dw__sleep_ns(5000000);
  if (c->pid > 0) reap(c);
  if (c->out_fd >= 0) close(c->out_fd);
  c->out_fd = -1;
}

/* Spawns the server of `spec` into `c`, initializes a session and lists its tools; the
 * server is left running (the caller stops it, also on error). */
static int open_session(conn *c_, const dw__mcp_stdio *spec, dw__mcp_tools *out) {
#define c (*c_)
  json_t *res = NULL, *params = NULL;
  int err;
  memset(out, 0, sizeof *out);
  if (!spec || !spec->command || !*spec->command) {
    err = fail(&c, DW_E_BAD_REQUEST, "no command");
    goto out;
  }
  if (spec->n_args > DW__MCP_MAX_ARGS) {
    err = fail(&c, DW_E_TOO_LARGE, "more than %d args", DW__MCP_MAX_ARGS);
    goto out;
  }
  if ((err = spawn(spec, &c))) goto out;
  params = json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", DW__MCP_PROTOCOL_VERSION,
                     "capabilities", "clientInfo", "name", "dynworker", "version",
                     dw_version_string());
  if (!params) { err = DW_E_NOMEM; goto out; }
  if ((err = request(&c, "initialize", params, &res))) goto out;
  json_t *info = json_object_get(res, "serverInfo");
  out->server_name = opt_str(info, "name");
  out->instructions = opt_str(res, "instructions");
  json_decref(res);
  res = NULL;
  if ((err = notify(&c, "notifications/initialized"))) goto out;
  json_t *cursor = NULL; /* a reference into the previous page */
  json_t *prev = NULL;
  for (int page = 0;; page++) {
    if (page == DW__MCP_MAX_PAGES) {
      err = fail(&c, DW_E_TOO_LARGE, "tools/list has more than %d pages", DW__MCP_MAX_PAGES);
      json_decref(prev);
      goto out;
    }
    json_decref(params);
    params = cursor ? json_pack("{s:O}", "cursor", cursor) : json_object();
    json_decref(prev);
    prev = NULL;
    if (!params) { err = DW_E_NOMEM; goto out; }
    if ((err = request(&c, "tools/list", params, &res))) goto out;
    if ((err = add_tools(&c, res, out))) goto out;
    cursor = json_object_get(res, "nextCursor");
    if (!json_is_string(cursor) || !*json_string_value(cursor)) break;
    prev = res;
    res = NULL;
  }
out:
  json_decref(res);
  json_decref(params);
  return err;
#undef c
}

static conn *conn_new(const dw__mcp_stdio *spec, char *why, size_t why_len) {
  conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  *c = (conn){.in_fd = -1, .out_fd = -1, .why = why, .why_len = why_len,
              .timeout_ms = spec && spec->timeout_ms > 0 ? spec->timeout_ms
                                                         : DW__MCP_DEFAULT_TIMEOUT_MS};
  dw__buf_init(&c->rbuf, DW__MCP_MAX_LINE + 65536);
  return c;
}

int dw__mcp_list_tools(const dw__mcp_stdio *spec, dw__mcp_tools *out, char *why,
                       size_t why_len) {
  conn *c = conn_new(spec, why, why_len);
  if (!c) { memset(out, 0, sizeof *out); return DW_E_NOMEM; }
  int err = open_session(c, spec, out);
  stop(c);
  dw__buf_free(&c->rbuf);
  free(c);
  return err;
}

int dw__mcp_open(const dw__mcp_stdio *spec, dw__mcp_tools *tools, dw__mcp_proc *proc,
                 dw_buf *leftover, char *why, size_t why_len) {
  memset(proc, 0, sizeof *proc);
  proc->in_fd = proc->out_fd = -1;
  conn *c = conn_new(spec, why, why_len);
  if (!c) { memset(tools, 0, sizeof *tools); return DW_E_NOMEM; }
  int err = open_session(c, spec, tools);
  if (!err && c->rbuf.len) err = dw__buf_append(leftover, c->rbuf.data, c->rbuf.len);
  if (err) {
    stop(c);
  } else {
    proc->pid = c->pid;
    proc->in_fd = c->in_fd;
    proc->out_fd = c->out_fd;
    proc->next_id = c->next_id;
  }
  dw__buf_free(&c->rbuf);
  free(c);
  return err;
}

void dw__mcp_proc_stop(dw__mcp_proc *p, char *note, size_t n) {
  conn c = {.pid = p->pid, .in_fd = p->in_fd, .out_fd = p->out_fd};
  if (note && n && c.pid > 0) exit_note(&c, note, n); /* waits up to 250 ms for an exit */
  else if (note && n) snprintf(note, n, "was stopped");
  stop(&c);
  memset(p, 0, sizeof *p);
  p->in_fd = p->out_fd = -1;
}

void dw__mcp_tools_free(dw__mcp_tools *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n_tools; i++) {
    free(l->tools[i].name);
    free(l->tools[i].description);
    json_decref(l->tools[i].input_schema);
    json_decref(l->tools[i].output_schema);
  }
  free(l->tools);
  free(l->server_name);
  free(l->instructions);
  memset(l, 0, sizeof *l);
}
