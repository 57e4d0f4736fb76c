/* bench/compare/dw_compare: dynworker's in-process side of bench/compare, through the public
 * API only (include/dynworker.h). run.py drives it and puts its numbers beside the peers'.
 *
 *   dw_compare lat WORKLOAD MODE N EXPECTED SANDBOX_JS ENTRY_JS
 *       MODE cold-own     a fresh sandbox with a VM of its own per run
 *            cold-shared  a fresh sandbox (a realm) in one shared engine per run
 *            warm         one warm worker (dw_loader with an id) called N times
 *       Workloads that call the host ("w4") run through a dw_loader whose binding HOST is a
 *       C callback (add(x) = x + 1): cold-shared is a fresh child per call (no id), cold-own
 *       a new loader (its own VM) per run. The others run SANDBOX_JS through
 *       dw_sandbox_run. Each run's result is checked against EXPECTED (a JSON string).
 *            new-own, new-shared  dw_sandbox_new + dw_sandbox_free only, nothing run: the
 *                         realm and its prelude, without the module (EXPECTED is ignored)
 *            cold-loader  a fresh child of one dw_loader per run (no id): what the daemon's
 *                         executors do for POST /v1/run
 *       Prints one JSON object: {"p50","p99","mean" (ms),"ops" (runs per second)}.
 *       With DW_COMPARE_LIVE=K in the environment, K sandboxes that ran SANDBOX_JS are kept
 *       alive in the shared engine first (how a cold start scales with the live count).
 *
 *   dw_compare mem MODE MAX BUDGET_S CAP_MB SANDBOX_JS
 *       Keeps sandboxes that ran SANDBOX_JS alive (MODE own or shared; own-new and shared-new
 *       keep them created but never run) until MAX are live,
 *       BUDGET_S seconds have passed or the process's RSS reaches CAP_MB. Prints one JSON
 *       object per line at every 1,000 live and a last one with why it stopped:
 *       {"n","rss_kb","per_kb"} ... {"n","rss_kb","per_kb","stopped"}.
 *
 * Exit status 0; 1 when a run fails (the message on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dynworker.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  if (!f) goto out;
  if (fseek(f, 0, SEEK_END)) goto out;
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET)) goto out;
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
    goto out;
  }
  buf[n] = 0;
  *len = (size_t)n;
out:
  if (f) fclose(f);
  if (!buf) fprintf(stderr, "dw_compare: cannot read %s\n", path);
  return buf;
}

static dw_code *code_from(const char *path, const char *name) {
  size_t len = 0;
  char *src = slurp(path, &len);
  if (!src) exit(1);
  dw_code *c = dw_code_new();
  if (!c || dw_code_add_module(c, name, src, len, DW_MODULE_ESM)) {
    fprintf(stderr, "dw_compare: cannot build a module from %s\n", path);
    exit(1);
  }
  free(src);
  return c;
}

/* The host function of W4: add(x) returns x + 1, synchronously. */
static void host_add(void *user, const char *method, const char *args_json, dw_binding_call *call) {
  (void)user;
  if (strcmp(method, "add")) {
    dw_binding_throw(call, "no such method");
    return;
  }
  char out[32];
  snprintf(out, sizeof out, "%ld", strtol(args_json + 1, NULL, 10) + 1);
  dw_binding_return(call, out);
}

static const char *const host_bindings[] = {"HOST", NULL};

static dw_loader *loader_new(void) {
  dw_loader *l = NULL;
  dw_loader_options lo = {.limits = {.memory_mb = 1024}, .max_workers = 100};
  if (dw_loader_new(&lo, &l) || dw_loader_add_binding(l, "HOST", host_add, NULL)) {
    fprintf(stderr, "dw_compare: cannot create a loader\n");
    exit(1);
  }
  return l;
}

static void check(dw_result *r, const char *expected) {
  const char *v = r ? dw_result_value_json(r) : NULL;
  if (!r || !dw_result_ok(r) || !v || strcmp(v, expected)) {
    fprintf(stderr, "dw_compare: unexpected result %s (expected %s)\n",
            r ? dw_result_json(r) : "(none)", expected);
    exit(1);
  }
  dw_result_free(r);
}

static const dw_limits run_limits = {.cpu_ms = 10000, .wall_ms = 20000, .memory_mb = 256};

static int lat(const char *workload, const char *mode, int n, const char *expected,
               const char *sb_path, const char *entry_path) {
  bool calls_host = strcmp(workload, "w4") == 0;
  bool warm = !strcmp(mode, "warm"), own = !strcmp(mode, "cold-own");
  bool via_loader = !strcmp(mode, "cold-loader");
  bool new_only = !strncmp(mode, "new-", 4);
  if (!strcmp(mode, "new-own")) own = true;
  if (!warm && !own && !via_loader && !new_only && strcmp(mode, "cold-shared")) {
    fprintf(stderr, "dw_compare: unknown mode %s\n", mode);
    return 1;
  }
  dw_code *sb_code = code_from(sb_path, "main.js");
  dw_code *entry_code = code_from(entry_path, "main.js");
  dw_engine_options eo = {.memory_mb = getenv("DW_COMPARE_LIVE") ? 16000 : 2048};
  dw_engine *engine = dw_engine_new(&eo);
  dw_loader *shared_loader = loader_new();
  dw_sandbox_options so = {.limits = run_limits};
  dw_worker_ref ref = {.id = warm ? "w" : NULL, .code = entry_code,
                       .bindings = calls_host ? host_bindings : NULL, /* a capability costs a realm
                                                                         the loader's API */
                       .limits = {.cpu_ms = 10000, .wall_ms = 20000}};
  const char *live_env = getenv("DW_COMPARE_LIVE");
  long live = live_env ? atol(live_env) : 0;
  for (long i = 0; i < live; i++) { /* kept until the process exits */
    dw_sandbox *sb = NULL;
    dw_result *r = NULL;
    if (dw_sandbox_new(engine, &so, &sb)) return 1;
    dw_sandbox_run(sb, sb_code, NULL, &r);
    dw_result_free(r);
  }
  double *t = malloc(sizeof *t * (size_t)n);
  int warmup = n / 10 + 3;
  uint64_t total = 0;
  for (int i = -warmup; i < n; i++) {
    uint64_t t0 = now_ns();
    dw_result *r = NULL;
    if (warm || via_loader || (calls_host && !own)) {
      dw_loader_call(shared_loader, &ref, "run", "[]", &r);
      check(r, expected);
    } else if (calls_host) {
      dw_loader *l = loader_new();
      dw_loader_call(l, &ref, "run", "[]", &r);
      check(r, expected);
      dw_loader_free(l);
    } else {
      dw_sandbox *sb = NULL;
      if (dw_sandbox_new(own ? NULL : engine, &so, &sb)) {
        fprintf(stderr, "dw_compare: dw_sandbox_new failed\n");
        return 1;
      }
      if (!new_only) {
        dw_sandbox_run(sb, sb_code, NULL, &r);
        check(r, expected);
      }
      dw_sandbox_free(sb);
    }
    uint64_t dt = now_ns() - t0;
    if (i >= 0) {
      t[i] = (double)dt / 1e6;
      total += dt;
    }
  }
  qsort(t, (size_t)n, sizeof *t, cmp);
  double mean = (double)total / 1e6 / n;
  printf("{\"p50\": %.4f, \"p99\": %.4f, \"mean\": %.4f, \"ops\": %.1f}\n", t[n / 2],
         t[(int)((n - 1) * 0.99)], mean, 1000.0 / mean);
  free(t);
  if (live) { /* the kept sandboxes are never freed: the engine cannot be freed under them */
    fflush(stdout);
    _exit(0);
  }
  dw_loader_free(shared_loader);
  dw_engine_free(engine);
  dw_code_free(sb_code);
  dw_code_free(entry_code);
  return 0;
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, res = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
    fclose(f);
  }
  return (long)(res * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

static int mem(const char *mode, long max, double budget_s, long cap_mb, const char *sb_path) {
  bool own = !strncmp(mode, "own", 3);
  bool new_only = strstr(mode, "-new") != NULL; /* created, nothing run: realm + prelude */
  dw_code *code = code_from(sb_path, "main.js");
  /* The shared VM's heap cap covers every realm in it: lift it for the ramp. */
  dw_engine_options eo = {.memory_mb = 64000};
  dw_engine *engine = own ? NULL : dw_engine_new(&eo);
  dw_sandbox_options so = {.limits = {.memory_mb = 64}};
  dw_sandbox **keep = calloc((size_t)max, sizeof *keep);
  /* Warm the process up (first VM, code caches) before the baseline. */
  for (int i = 0; i < 3; i++) {
    dw_sandbox *sb;
    dw_result *r;
    if (dw_sandbox_new(engine, &so, &sb)) return 1;
    dw_sandbox_run(sb, code, NULL, &r);
    dw_result_free(r);
    dw_sandbox_free(sb);
  }
  long before = rss_kb();
  uint64_t t0 = now_ns();
  const char *stopped = "max";
  long n = 0;
  for (; n < max; n++) {
    if ((double)(now_ns() - t0) / 1e9 > budget_s) {
      stopped = "time budget";
      break;
    }
    if ((n & 63) == 0 && rss_kb() / 1024 >= cap_mb) {
      stopped = "memory cap";
      break;
    }
    dw_result *r = NULL;
    if (dw_sandbox_new(engine, &so, &keep[n])) {
      stopped = "sandbox creation failed";
      break;
    }
    int rc = new_only ? 0 : dw_sandbox_run(keep[n], code, NULL, &r);
    if (rc) {
      fprintf(stderr, "dw_compare: run %ld failed: %s\n", n, r ? dw_result_json(r) : "?");
      dw_result_free(r);
      stopped = "a run failed";
      n++;
      break;
    }
    dw_result_free(r);
    if ((n + 1) % 1000 == 0) { /* every 1,000: a crash still leaves the count reached */
      long rss = rss_kb();
      printf("{\"n\": %ld, \"rss_kb\": %ld, \"per_kb\": %.1f}\n", n + 1, rss,
             (double)(rss - before) / (double)(n + 1));
      fflush(stdout);
    }
  }
  long rss = rss_kb();
  printf("{\"n\": %ld, \"rss_kb\": %ld, \"per_kb\": %.1f, \"stopped\": \"%s\", \"seconds\": %.1f}\n",
         n, rss, n ? (double)(rss - before) / (double)n : 0.0, stopped,
         (double)(now_ns() - t0) / 1e9);
  fflush(stdout);
  /* Exit without freeing: the process ends here and freeing 100,000 realms takes long. */
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc == 8 && !strcmp(argv[1], "lat"))
    return lat(argv[2], argv[3], atoi(argv[4]) > 0 ? atoi(argv[4]) : 1, argv[5], argv[6], argv[7]);
  if (argc == 7 && !strcmp(argv[1], "mem"))
    return mem(argv[2], atol(argv[3]) > 0 ? atol(argv[3]) : 1, atof(argv[4]), atol(argv[5]), argv[6]);
  fprintf(stderr, "usage: dw_compare lat WORKLOAD MODE N EXPECTED SANDBOX_JS ENTRY_JS\n"
                  "       dw_compare mem own|shared MAX BUDGET_S CAP_MB SANDBOX_JS\n");
  return 2;
}
