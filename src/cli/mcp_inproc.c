/* `dynworker mcp --in-process`: a Code Mode runner without the supervisor, for development and
 * for tests of the MCP layer: the code runs in this process, on one thread of its own, in a
 * Worker Loader (a fresh worker per run, one run at a time). No process boundary: a runaway
 * that the engine's watchdog cannot stop stalls this runner. The real runner is the supervisor
 * (mcp.c). Tool calls cross to the loop thread through a pipe; answers go back with
 * dw_binding_return/throw (thread-safe). */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "mcp/codemode.h"
#include "mcp_inproc.h"

typedef struct job {
  struct job *next;
  uint64_t id;
  json_t *code;
  void *host_user;
  dw__sup_done done;
  void *user;
  bool abandoned;
  /* set by the thread */
  int err;
  json_t *result;
} job;

typedef struct {
  int kind; /* 1: host call, 2: job done */
  job *j;
  json_t *desc;
  char *method;
  json_t *args;
  dw_binding_call *call;
  void *host_user;
} msg;

typedef struct binding {
  struct binding *next;
  char *name;
  json_t *desc;
  struct inproc *ip;
} binding;

struct inproc {
  struct event_base *base;
  dw__cm **cm;
  uint32_t memory_mb;
  pthread_t thread;
  bool started;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  job *queue, *running;
  bool stop;
  int pipe_r, pipe_w;
  struct event *ev;
  uint64_t next_id;
  binding *bindings; /* thread-only */
  void *cur_host_user; /* thread-only */
};

static void post(struct inproc *ip, msg *m) {
  msg *copy = malloc(sizeof *copy);
  if (!copy) return;
  *copy = *m;
  ssize_t w;
  do w = write(ip->pipe_w, &copy, sizeof copy); while (w < 0 && errno == EINTR);
}

static void on_binding(void *user, const char *method, const char *args_json, dw_binding_call *call) {
  binding *b = user;
  json_error_t je;
  msg m = {.kind = 1, .desc = json_incref(b->desc), .method = dw__strdup(method),
           .args = json_loads(args_json, 0, &je), .call = call, .host_user = b->ip->cur_host_user};
  post(b->ip, &m);
}

static const char runner_js[] =
    "import { WorkerEntrypoint } from \"cloudflare:workers\";\n"
    "import main from \"./%s\";\n"
    "export class Run extends WorkerEntrypoint { async run() { return await main(this.env); } }\n";

static void run_job(struct inproc *ip, dw_loader *l, job *j) {
  json_t *code = j->code, *env = json_object_get(code, "env"), *mods = json_object_get(code, "modules");
  const char *mainm = json_string_value(json_object_get(code, "mainModule"));
  json_t *plain = json_object();
  const char *names[300];
  size_t nn = 0;
  const char *k;
  json_t *v;
  json_object_foreach(env, k, v) {
    json_t *desc = json_object_get(v, "$host");
    if (!desc) { json_object_set(plain, k, v); continue; }
    binding *b = ip->bindings;
    while (b && strcmp(b->name, k)) b = b->next;
    if (!b && (b = calloc(1, sizeof *b))) {
      b->name = dw__strdup(k);
      b->ip = ip;
      b->desc = json_incref(v);
      if (dw_loader_add_binding(l, k, on_binding, b) == 0) { b->next = ip->bindings; ip->bindings = b; }
      else { json_decref(b->desc); free(b->name); free(b); b = NULL; }
    }
    if (b) { json_decref(b->desc); b->desc = json_incref(v); }
    if (b && nn < 299) names[nn++] = b->name;
  }
  names[nn] = NULL;
  dw_code *c = dw_code_new();
  json_object_foreach(mods, k, v) dw_code_add_module(c, k, json_string_value(v), json_string_length(v), DW_MODULE_AUTO);
  char rj[512];
  snprintf(rj, sizeof rj, runner_js, mainm ? mainm : "main.ts");
  dw_code_add_module(c, "__dw_run.js", rj, strlen(rj), DW_MODULE_ESM);
  dw_code_set_main(c, "__dw_run.js");
  char *env_json = json_dumps(plain, JSON_COMPACT);
  json_t *lim = json_object_get(code, "limits");
  dw_worker_ref ref = {.code = c, .env_json = env_json, .bindings = names, .entrypoint = "Run",
                       .limits = {.cpu_ms = (uint32_t)json_integer_value(json_object_get(lim, "cpuMs")),
                                  .wall_ms = (uint32_t)json_integer_value(json_object_get(lim, "wallMs"))}};
  dw_result *r = NULL;
  ip->cur_host_user = j->host_user;
  j->err = dw_loader_call(l, &ref, "run", "[]", &r);
  json_error_t je;
  j->result = r ? json_loads(dw_result_json(r), 0, &je) : NULL;
  if (!j->result) j->result = json_pack("{s:b, s:n, s:[], s:{s:s, s:s, s:s}}", "ok", 0, "result", "logs",
                                        "error", "code", "internal_error", "name", "Error", "message", "no result");
  dw_result_free(r);
  free(env_json);
  dw_code_free(c);
  json_decref(plain);
}

static void *thread_main(void *arg) {
  struct inproc *ip = arg;
  dw_loader_options o = {.limits = {.memory_mb = ip->memory_mb}, .max_workers = 1};
  dw_loader *l = NULL;
  int lerr = dw_loader_new(&o, &l);
  for (;;) {
    pthread_mutex_lock(&ip->mu);
    while (!ip->queue && !ip->stop) pthread_cond_wait(&ip->cv, &ip->mu);
    if (ip->stop) { pthread_mutex_unlock(&ip->mu); break; }
    job *j = ip->queue;
    ip->queue = j->next;
    ip->running = j;
    pthread_mutex_unlock(&ip->mu);
    if (lerr) { j->err = lerr; j->result = json_pack("{s:b}", "ok", 0); }
    else run_job(ip, l, j);
    msg m = {.kind = 2, .j = j};
    post(ip, &m);
  }
  dw_loader_free(l);
  while (ip->bindings) {
    binding *b = ip->bindings;
    ip->bindings = b->next;
    json_decref(b->desc);
    free(b->name);
    free(b);
  }
  return NULL;
}

static void on_pipe(evutil_socket_t fd, short what, void *arg) {
  struct inproc *ip = arg;
  msg *m;
  for (;;) {
    ssize_t r = read(fd, &m, sizeof m);
    if (r != (ssize_t)sizeof m) return;
    if (m->kind == 1) {
      dw__cm_host_call(*ip->cm, m->host_user, m->desc, m->method, m->args ? m->args : json_array(),
                       (dw__sup_call *)m->call);
      json_decref(m->desc);
      json_decref(m->args);
      free(m->method);
    } else {
      job *j = m->j;
      pthread_mutex_lock(&ip->mu);
      ip->running = NULL;
      pthread_mutex_unlock(&ip->mu);
      if (!j->abandoned) {
        dw__sup_outcome o = {.err = j->err, .result = j->result};
        j->done(j->user, &o);
      }
      json_decref(j->code);
      json_decref(j->result);
      free(j);
    }
    free(m);
  }
}

static int invoke(void *self, const dw__sup_invocation *inv, dw__sup_done done, void *user, uint64_t *id) {
  struct inproc *ip = self;
  job *j = calloc(1, sizeof *j);
  if (!j) return DW_E_NOMEM;
  j->id = ++ip->next_id;
  j->code = json_deep_copy(inv->code);
  j->host_user = inv->host_user;
  j->done = done;
  j->user = user;
  pthread_mutex_lock(&ip->mu);
  job **pp = &ip->queue;
  while (*pp) pp = &(*pp)->next;
  *pp = j;
  pthread_cond_signal(&ip->cv);
  pthread_mutex_unlock(&ip->mu);
  if (id) *id = j->id;
  return 0;
}

static void abandon(void *self, uint64_t id) {
  struct inproc *ip = self;
  pthread_mutex_lock(&ip->mu);
  for (job *j = ip->queue; j; j = j->next) if (j->id == id) j->abandoned = true;
  if (ip->running && ip->running->id == id) ip->running->abandoned = true;
  pthread_mutex_unlock(&ip->mu);
}

static void reply(dw__sup_call *call, const json_t *result, const char *error) {
  if (error) { dw_binding_throw((dw_binding_call *)call, error); return; }
  char *s = result ? json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  dw_binding_return((dw_binding_call *)call, s ? s : "null");
  free(s);
}

int dw__inproc_new(struct event_base *base, dw__cm **cm, uint32_t memory_mb, struct inproc **out,
                   dw__cm_runner *runner) {
  struct inproc *ip = calloc(1, sizeof *ip);
  int p[2];
  if (!ip) return DW_E_NOMEM;
  if (pipe2(p, O_CLOEXEC)) { free(ip); return DW_E_IO; }
  ip->base = base;
  ip->cm = cm;
  ip->memory_mb = memory_mb;
  ip->pipe_r = p[0];
  ip->pipe_w = p[1];
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  pthread_mutex_init(&ip->mu, NULL);
  pthread_cond_init(&ip->cv, NULL);
  ip->ev = event_new(base, p[0], EV_READ | EV_PERSIST, on_pipe, ip);
  if (!ip->ev || event_add(ip->ev, NULL) || pthread_create(&ip->thread, NULL, thread_main, ip)) {
    dw__inproc_free(ip);
    return DW_E_NOMEM;
  }
  ip->started = true;
  *runner = (dw__cm_runner){.invoke = invoke, .abandon = abandon, .reply = reply, .self = ip};
  *out = ip;
  return 0;
}

void dw__inproc_free(struct inproc *ip) {
  if (!ip) return;
  if (ip->started) {
    pthread_mutex_lock(&ip->mu);
    ip->stop = true;
    for (job *j = ip->queue; j; j = j->next) j->abandoned = true;
    pthread_cond_signal(&ip->cv);
    pthread_mutex_unlock(&ip->mu);
    /* A run in progress holds the thread; its binding calls wait for answers that will not
     * come once the loop is gone: do not join it (the process is exiting). */
    pthread_detach(ip->thread);
  }
  if (ip->ev) event_free(ip->ev);
  /* the pipe and the struct stay with the detached thread */
}
