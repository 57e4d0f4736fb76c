/* bench/coldstart: the cost of a fresh sandbox, beside the bare engine floor, in one run.
 *
 *   coldstart [N]          latency table (N iterations per row, default 2000)
 *   coldstart mem MODE K   (internal) RSS per live instance with K live, printed in bytes;
 *                          MODE new-only: sandboxes made and never run (what creation costs)
 *   coldstart loop N       only the "hello, shared VM" path, N times, nothing printed: for
 *                          perf record / callgrind (docs/PERFORMANCE-NOTES.md)
 *   coldstart loop-own N   the same for the "hello, own VM" path
 *
 * Rows: "engine floor" is what JavaScriptCore alone costs (new VM + realm + evaluate a tiny
 * script + release; or a new realm in a shared VM); "dynworker" is the whole path a user
 * gets (new sandbox, load a hello module, call its default export, dispose). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dynworker.h"
#include "engine/engine.h"

extern char **environ;

static const char hello_src[] = "export default function () { return 'hello' }";
/* The same with a fetch handler: first use of Request, Response, Headers and URL. */
static const char fetch_src[] =
    "export default { fetch(req) { return new Response('hello ' + new URL(req.url).pathname) } }";

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef void (*op_fn)(void *arg);

static void floor_own(void *arg) {
  dw__vm *vm = dw__vm_new(false);
  dw__ctx *c = dw__ctx_new(vm, false);
  dw_val exc;
  dw__eval(c, "'hello'", 7, "b.js", 1, &exc);
  dw__ctx_free(c);
  dw__vm_free(vm);
}

static void floor_shared(void *arg) {
  dw__ctx *c = dw__ctx_new(arg, false);
  dw_val exc;
  dw__eval(c, "'hello'", 7, "b.js", 1, &exc);
  dw__ctx_free(c);
}

static dw_code *hello_code(void) {
  dw_code *code = dw_code_new();
  if (!code || dw_code_add_module(code, "hello.js", hello_src, sizeof hello_src - 1, DW_MODULE_AUTO)) {
    fprintf(stderr, "coldstart: cannot build the hello module\n");
    exit(1);
  }
  return code;
}

static dw_code *g_code, *g_fetch_code;

static dw_sandbox *hello_run(dw_engine *e) {
  dw_sandbox *sb;
  if (dw_sandbox_new(e, NULL, &sb)) exit(1);
  dw_invocation inv = {.args_json = "[]"};
  dw_result *r;
  if (dw_sandbox_run(sb, g_code, &inv, &r) != 0 || strcmp(dw_result_value_json(r), "\"hello\"")) {
    fprintf(stderr, "coldstart: the hello worker failed: %s\n", dw_result_json(r));
    exit(1);
  }
  dw_result_free(r);
  return sb;
}

static dw_code *fetch_code(void) {
  dw_code *code = dw_code_new();
  if (!code || dw_code_add_module(code, "fetch.js", fetch_src, sizeof fetch_src - 1, DW_MODULE_AUTO)) {
    fprintf(stderr, "coldstart: cannot build the fetch module\n");
    exit(1);
  }
  return code;
}

static void dw_own(void *arg) { dw_sandbox_free(hello_run(NULL)); }

/* A sandbox that ran the fetch handler once, still alive. */
static dw_sandbox *fetch_run(dw_engine *e) {
  dw_sandbox *sb;
  if (dw_sandbox_new(e, NULL, &sb)) exit(1);
  dw_request req = {.url = "http://localhost/x"};
  dw_invocation inv = {.request = &req};
  dw_result *r;
  size_t n = 0;
  if (dw_sandbox_run(sb, g_fetch_code, &inv, &r) != 0 || !dw_result_body(r, &n) || n != 8) {
    fprintf(stderr, "coldstart: the fetch worker failed: %s\n", dw_result_json(r));
    exit(1);
  }
  dw_result_free(r);
  return sb;
}

static void dw_fetch_shared(void *arg) { dw_sandbox_free(fetch_run(arg)); }
static void dw_shared(void *arg) { dw_sandbox_free(hello_run(arg)); }

/* A worker whose default function first uses one Web API in its fresh realm. */
typedef struct {
  dw_engine *e;
  dw_code *code;
} api_case;

static void dw_api_shared(void *arg) {
  api_case *a = arg;
  dw_sandbox *sb;
  if (dw_sandbox_new(a->e, NULL, &sb)) exit(1);
  dw_invocation inv = {.args_json = "[]"};
  dw_result *r;
  if (dw_sandbox_run(sb, a->code, &inv, &r) != 0) {
    fprintf(stderr, "coldstart: an API worker failed: %s\n", dw_result_json(r));
    exit(1);
  }
  dw_result_free(r);
  dw_sandbox_free(sb);
}

static double measure(const char *label, op_fn fn, void *arg, int n);

/* The one-time cost of first use of an API in a realm: the worker's p50 less hello's. */
static void api_row(const char *label, const char *src, dw_engine *e, int n, double hello) {
  api_case a = {e, dw_code_new()};
  if (!a.code || dw_code_add_module(a.code, "api.js", src, strlen(src), DW_MODULE_AUTO)) exit(1);
  char l[128];
  snprintf(l, sizeof l, "first use: %s", label);
  double p50 = measure(l, dw_api_shared, &a, n);
  printf("|   (over hello: %+.3f ms) %*s|          |          |          |\n", p50 - hello, 19, "");
  dw_code_free(a.code);
}

static double measure(const char *label, op_fn fn, void *arg, int n) {
  double *t = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n / 10 + 10; i++) fn(arg); /* warm up */
  for (int i = 0; i < n; i++) {
    uint64_t t0 = dw__now_ns();
    fn(arg);
    t[i] = (double)(dw__now_ns() - t0) / 1e6;
  }
  qsort(t, (size_t)n, sizeof t[0], cmp);
  printf("| %-44s | %8.3f | %8.3f | %8.3f |\n", label, t[n / 2], t[n * 99 / 100], t[n - 1]);
  double p50 = t[n / 2];
  free(t);
  return p50;
}

static size_t rss(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, res = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
    fclose(f);
  }
  return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* One memory measurement, in this (fresh) process. */
static int mem_mode(const char *mode, int k) {
  g_code = hello_code();
  g_fetch_code = fetch_code();
  dw_engine *shared = dw_engine_new(NULL);
  dw__vm *vm = dw__vm_new(false);
  dw_sandbox_free(fetch_run(shared));
  /* Warm up the process (first VM, code caches) before the baseline. */
  dw_sandbox_free(hello_run(shared));
  dw_sandbox_free(hello_run(NULL));
  floor_own(NULL);
  floor_shared(vm);
  void **keep = calloc((size_t)k, sizeof *keep);
  dw__vm **vms = calloc((size_t)k, sizeof *vms);
  size_t before = rss();
  for (int i = 0; i < k; i++) {
    if (!strcmp(mode, "floor-own")) {
      vms[i] = dw__vm_new(false);
      dw__ctx *c = dw__ctx_new(vms[i], false);
      dw_val exc;
      dw__eval(c, "'hello'", 7, "b.js", 1, &exc);
      keep[i] = c;
    } else if (!strcmp(mode, "floor-shared")) {
      dw__ctx *c = dw__ctx_new(vm, false);
      dw_val exc;
      dw__eval(c, "'hello'", 7, "b.js", 1, &exc);
      keep[i] = c;
    } else if (!strcmp(mode, "dw-own")) {
      keep[i] = hello_run(NULL);
    } else if (!strcmp(mode, "new-only")) {
      dw_sandbox *sb;
      if (dw_sandbox_new(shared, NULL, &sb)) exit(1);
      keep[i] = sb;
    } else if (!strcmp(mode, "dw-fetch-shared")) {
      keep[i] = fetch_run(shared);
    } else {
      keep[i] = hello_run(shared);
    }
  }
  size_t after = rss();
  printf("%zu\n", (after - before) / (size_t)k);
  return 0; /* the process exits; nothing to free */
}

static double spawn_mem(const char *self, const char *mode, int k) {
  char kbuf[32];
  snprintf(kbuf, sizeof kbuf, "%d", k);
  char *argv[] = {(char *)self, "mem", (char *)mode, kbuf, NULL};
  int fds[2];
  if (pipe(fds)) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  if (posix_spawn(&pid, self, &fa, NULL, argv, environ)) return -1;
  close(fds[1]);
  char buf[64] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int st;
  waitpid(pid, &st, 0);
  posix_spawn_file_actions_destroy(&fa);
  return n > 0 ? atof(buf) / 1024.0 : -1;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "mem")) return mem_mode(argv[2], atoi(argv[3]));
  if (argc >= 3 && (!strcmp(argv[1], "loop") || !strcmp(argv[1], "loop-own"))) {
    g_code = hello_code();
    dw_engine *e = strcmp(argv[1], "loop") ? NULL : dw_engine_new(NULL);
    for (int i = 0, n = atoi(argv[2]); i < n; i++) dw_sandbox_free(hello_run(e));
    if (e) dw_engine_free(e);
    dw_code_free(g_code);
    return 0;
  }
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  if (n < 100) n = 100;
  char self[4096];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) return 1;
  self[sl] = 0;

  g_code = hello_code();
  g_fetch_code = fetch_code();
  dw_engine *shared = dw_engine_new(NULL);
  dw__vm *vm = dw__vm_new(false);
  printf("dynworker %s, cold start, %d runs per row (ms)\n\n", dw_version_string(), n);
  printf("| %-44s | %8s | %8s | %8s |\n", "operation", "p50", "p99", "max");
  printf("|%s|%s|%s|%s|\n", "----------------------------------------------", "---------:",
         "---------:", "---------:");
  measure("engine floor: new VM + realm + eval + release", floor_own, NULL, n);
  measure("engine floor: new realm in a shared VM + eval", floor_shared, vm, n);
  measure("dynworker: hello sandbox, own VM", dw_own, NULL, n);
  double hello = measure("dynworker: hello sandbox, shared VM", dw_shared, shared, n);
  measure("dynworker: hello fetch handler, shared VM", dw_fetch_shared, shared, n);
  /* Issue 4's one-time costs: the first use of an API in a realm, each beside hello. */
  api_row("URL", "export default () => new URL('http://a.example/p?q=1').pathname", shared, n, hello);
  api_row("Request + Response", "export default async () => { const r = new Request('http://a/', { method: 'POST', body: 'x' }); return new Response(await r.text()).status }", shared, n, hello);
  api_row("streams (ReadableStream pipeThrough)", "export default async () => { const s = new ReadableStream({ start(c) { c.enqueue('a'); c.close() } }).pipeThrough(new TextEncoderStream()); const r = s.getReader(); return (await r.read()).value.length }", shared, n, hello);
  api_row("TextEncoder", "export default () => new TextEncoder().encode('hi').length", shared, n, hello);

  int k = 1000;
  printf("\nMemory per live instance, %d live (KB of RSS, each row in a fresh process)\n\n", k);
  printf("| %-44s | %10s |\n", "instance", "KB each");
  printf("|%s|%s|\n", "----------------------------------------------", "-----------:");
  static const struct {
    const char *mode, *label;
  } rows[] = {{"floor-own", "engine floor: own VM + realm + eval"},
              {"floor-shared", "engine floor: realm in a shared VM + eval"},
              {"dw-own", "dynworker: hello sandbox, own VM"},
              {"dw-shared", "dynworker: hello sandbox, shared VM"},
              {"dw-fetch-shared", "dynworker: fetch handler ran, shared VM"}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    printf("| %-44s | %10.0f |\n", rows[i].label, spawn_mem(self, rows[i].mode, k));
  dw__vm_free(vm);
  dw_engine_free(shared);
  dw_code_free(g_code);
  dw_code_free(g_fetch_code);
  return 0;
}
