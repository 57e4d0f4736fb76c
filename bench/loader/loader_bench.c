/* bench/loader: the Worker Loader's per-call costs, in-process, in one run, each beside a
 * baseline measured in the same run.
 *
 *   loader_bench [N]    (N calls per row, default 2000)
 *   loader_bench loop-parent N   only the "fresh child from a parent worker" row, nothing
 *                        printed: for perf record / callgrind (loop-parent-own: with memoryMb;
 *                        loop-host: the C host's fresh-child row)
 *
 * Rows (median and p99 per call):
 *  - fresh child per call, from a C host (dw_loader_call without an id) and from a parent
 *    worker (env.LOADER.load(...) then one call, timed in the parent); baseline: a fresh
 *    sandbox in a shared VM running the same module (dw_sandbox_run). The three are
 *    measured in turns of FRESH_BLOCK calls each, so that the machine's slower minutes weigh
 *    on all of them alike.
 *  - a warm child's RPC call, from a C host and from a parent worker; baseline: an async
 *    function call inside one realm (timed in JS).
 *  - a binding call (a C callback) from a worker; baseline: the same async call in-realm.
 *  - a fresh and a warm child with limits.memoryMb (a VM of its own each), from a parent.
 * Goals (issue 3): fresh child <= 0.5 ms p50, warm call <= 20 us, binding call <= 10 us. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynworker.h"
#include "loader/loader.h"
#include "util/util.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void row(const char *name, double *us, int n, const char *goal) {
  qsort(us, (size_t)n, sizeof *us, cmp);
  printf("| %-52s | %9.1f | %9.1f | %-10s |\n", name, us[n / 2], us[(int)(n * 0.99)], goal);
}

/* Calls per turn of the fresh-child rows (see main). Each turn of the parent row is a new
 * parent (a new loader and VM), which loads one child untimed first, as the other two rows'
 * engine and loader are warm. */
#define FRESH_BLOCK 500

static const char child_src[] = "export default { f(x) { return x + 1 } }";

static void kv(void *user, const char *method, const char *args, dw_binding_call *call) {
  dw_binding_return(call, "1");
}

/* Runs a parent worker that times its own calls with performance.now() and returns the
 * per-call microseconds as a JSON array; parses them into us[]. */
static int parent_rows(const char *src, int n, double *us) {
  dw_code *code = dw_code_new();
  dw_code_add_module(code, "p.js", src, strlen(src), DW_MODULE_ESM);
  const char *const loaders[] = {"LOADER"};
  /* Children get generous limits: the rows measure cost, and under valgrind (loop-parent) a
   * collection landing in a child would otherwise end it. */
  dw__loader_config cfg = {.loaders = loaders, .nloaders = 1, .max_instances = 100000,
                           .child_cpu_ms = 60000, .child_wall_ms = 60000};
  dw_sandbox_options o = {.limits = {.cpu_ms = 600000, .wall_ms = 600000, .memory_mb = 4096}};
  char env[64];
  snprintf(env, sizeof env, "{\"N\": %d}", n);
  o.env_json = env;
  dw_invocation inv = {0};
  dw_result *r = NULL;
  int rc = dw__loader_run(&cfg, &o, code, &inv, NULL, NULL, &r, NULL);
  int got = 0;
  const char *v = r ? dw_result_value_json(r) : NULL;
  if (!rc && v) {
    const char *p = v + 1;
    while (got < n && *p && *p != ']') {
      char *end;
      us[got++] = strtod(p, &end);
      p = *end == ',' ? end + 1 : end;
    }
  } else {
    fprintf(stderr, "loader_bench: parent failed: %s\n", r ? dw_result_json(r) : "?");
  }
  dw_result_free(r);
  dw_code_free(code);
  return got;
}

static const char parent_fresh[] =
    "const code = { compatibilityDate: '2026-01-01', modules: { 'c.js': 'export default { f(x) { return x + 1 } }' } };"
    "export default async (env) => { const out = []; await env.LOADER.load(code).getEntrypoint().f(-1);"
    "  for (let i = 0; i < env.N; i++) { const t0 = performance.now();"
    "    await env.LOADER.load(code).getEntrypoint().f(i); out.push((performance.now() - t0) * 1000); }"
    "  return out; }";

static const char parent_fresh_own[] =
    "const code = { compatibilityDate: '2026-01-01', limits: { memoryMb: 64 }, modules: { 'c.js': 'export default { f(x) { return x + 1 } }' } };"
    "export default async (env) => { const out = []; await env.LOADER.load(code).getEntrypoint().f(-1);"
    "  for (let i = 0; i < env.N; i++) { const t0 = performance.now();"
    "    await env.LOADER.load(code).getEntrypoint().f(i); out.push((performance.now() - t0) * 1000); }"
    "  return out; }";

int main(int argc, char **argv) {
  if (argc >= 3 && (!strcmp(argv[1], "loop-parent") || !strcmp(argv[1], "loop-parent-own"))) {
    int k = atoi(argv[2]);
    double *t = calloc((size_t)k, sizeof *t);
    return parent_rows(strcmp(argv[1], "loop-parent") ? parent_fresh_own : parent_fresh, k, t) == k ? 0 : 1;
  }
  if (argc >= 3 && !strcmp(argv[1], "loop-host")) {
    dw_code *hc = dw_code_new();
    dw_code_add_module(hc, "c.js", child_src, strlen(child_src), DW_MODULE_ESM);
    dw_loader *hl = NULL;
    dw_loader_options hlo = {.limits = {.cpu_ms = 600000, .wall_ms = 600000, .memory_mb = 4096},
                             .max_workers = 100};
    if (dw_loader_new(&hlo, &hl)) return 1;
    dw_worker_ref hf = {.code = hc};
    int bad = 0;
    for (int i = 0, k = atoi(argv[2]); i < k; i++) {
      dw_result *r;
      dw_loader_call(hl, &hf, "f", "[1]", &r);
      if (!dw_result_ok(r) && !bad++) fprintf(stderr, "loader_bench: %s\n", dw_result_json(r));
      dw_result_free(r);
    }
    dw_loader_free(hl);
    dw_code_free(hc);
    return bad != 0;
  }
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  if (n < 10) n = 10;
  double *us = calloc((size_t)n, sizeof *us);
  dw_code *code = dw_code_new();
  dw_code_add_module(code, "c.js", child_src, strlen(child_src), DW_MODULE_ESM);

  printf("| %-52s | %9s | %9s | %-10s |\n", "per call (in-process)", "p50 us", "p99 us", "goal");
  printf("|%s|%s|%s|%s|\n", "------------------------------------------------------",
         "-----------", "-----------", "------------");

  /* The three fresh-child rows are measured in turns, a block of each at a time, so that a
   * slower minute of this shared machine weighs on all three alike. Baseline: a fresh
   * sandbox in a shared VM, the same module. */
  dw_engine *e = dw_engine_new(NULL);
  dw_invocation inv = {.args_json = "[1]"};
  dw_loader *l = NULL;
  dw_loader_options lo = {.limits = {.memory_mb = 4096}, .max_workers = 100};
  dw_loader_new(&lo, &l);
  dw_loader_add_binding(l, "KV", kv, NULL);
  dw_worker_ref fresh = {.code = code};
  double *base_us = calloc((size_t)n, sizeof *base_us), *host_us = calloc((size_t)n, sizeof *host_us);
  double *par_us = calloc((size_t)n, sizeof *par_us);
  int npar = 0;
  for (int done = 0; done < n; done += FRESH_BLOCK) {
    int k = n - done < FRESH_BLOCK ? n - done : FRESH_BLOCK;
    for (int i = done; i < done + k; i++) {
      uint64_t t0 = dw__now_ns();
      dw_sandbox *sb;
      dw_sandbox_new(e, NULL, &sb);
      dw_result *r;
      dw_code *c2 = dw_code_new();
      static const char fn_src[] = "export default function (x) { return x + 1 }";
      dw_code_add_module(c2, "c.js", fn_src, strlen(fn_src), DW_MODULE_ESM);
      dw_sandbox_run(sb, c2, &inv, &r);
      dw_result_free(r);
      dw_sandbox_free(sb);
      dw_code_free(c2);
      base_us[i] = (double)(dw__now_ns() - t0) / 1e3;
    }
    for (int i = done; i < done + k; i++) {
      uint64_t t0 = dw__now_ns();
      dw_result *r;
      dw_loader_call(l, &fresh, "f", "[1]", &r);
      if (!dw_result_ok(r)) fprintf(stderr, "loader_bench: %s\n", dw_result_json(r));
      dw_result_free(r);
      host_us[i] = (double)(dw__now_ns() - t0) / 1e3;
    }
    npar += parent_rows(parent_fresh, k, par_us + npar);
  }
  row("baseline: fresh sandbox, shared VM (dw_sandbox_run)", base_us, n, "");
  row("fresh child per call, C host (dw_loader_call)", host_us, n, "<= 500");
  if (npar == n) row("fresh child per call, from a parent worker (load + call)", par_us, n, "<= 500");
  free(base_us);
  free(host_us);
  free(par_us);
  dw_engine_free(e);

  dw_worker_ref warm = {.id = "warm", .code = code};
  dw_result *r0;
  dw_loader_call(l, &warm, "f", "[1]", &r0);
  dw_result_free(r0);
  for (int i = 0; i < n; i++) {
    uint64_t t0 = dw__now_ns();
    dw_result *r;
    dw_loader_call(l, &warm, "f", "[1]", &r);
    dw_result_free(r);
    us[i] = (double)(dw__now_ns() - t0) / 1e3;
  }
  row("warm child RPC, C host (dw_loader_call with an id)", us, n, "<= 20");

  /* A worker calling the KV binding n times, timed in JS. */
  static const char bind_src[] =
      "import { WorkerEntrypoint } from 'cloudflare:workers';"
      "export class E extends WorkerEntrypoint {"
      "  async run(n) { const out = []; const base = [];"
      "    const f = async () => 1;"
      "    for (let i = 0; i < n; i++) { const t0 = performance.now(); await this.env.KV.get('k');"
      "      out.push((performance.now() - t0) * 1000); }"
      "    for (let i = 0; i < n; i++) { const t0 = performance.now(); await f();"
      "      base.push((performance.now() - t0) * 1000); }"
      "    return [out, base]; } }";
  dw_code *bc = dw_code_new();
  dw_code_add_module(bc, "b.js", bind_src, strlen(bind_src), DW_MODULE_ESM);
  const char *const bindings[] = {"KV", NULL};
  dw_worker_ref bw = {.id = "binder", .code = bc, .bindings = bindings, .entrypoint = "E",
                      .limits = {.cpu_ms = 600000, .wall_ms = 600000}};
  char args[32];
  snprintf(args, sizeof args, "[%d]", n);
  dw_result *br;
  dw_loader_call(l, &bw, "run", args, &br);
  const char *v = dw_result_value_json(br);
  if (v) {
    double *base = calloc((size_t)n, sizeof *base);
    const char *p = v + 2;
    for (int k = 0; k < 2; k++) {
      double *dst = k ? base : us;
      int got = 0;
      while (got < n && *p && *p != ']') {
        char *end;
        dst[got++] = strtod(p, &end);
        p = *end == ',' ? end + 1 : end;
      }
      p += 3; /* "],[" */
    }
    row("baseline: an awaited async function call in-realm", base, n, "");
    row("binding call (a C callback) from a worker, awaited", us, n, "<= 10");
    free(base);
  } else {
    fprintf(stderr, "loader_bench: binding run failed: %s\n", dw_result_json(br));
  }
  dw_result_free(br);
  dw_code_free(bc);
  dw_loader_free(l);

  /* From a parent worker: call a warm child (the fresh row is above). */
  static const char parent_warm[] =
      "export default async (env) => { const out = [];"
      "  const w = env.LOADER.get('w', async () => ({ compatibilityDate: '2026-01-01', modules: { 'c.js': 'export default { f(x) { return x + 1 } }' } })).getEntrypoint();"
      "  await w.f(0);"
      "  for (let i = 0; i < env.N; i++) { const t0 = performance.now(); await w.f(i);"
      "    out.push((performance.now() - t0) * 1000); }"
      "  return out; }";
  if (parent_rows(parent_warm, n, us) == n) row("warm child RPC, from a parent worker", us, n, "<= 20");
  /* The same with limits.memoryMb below the loader VM's cap: a VM of its own per child (fewer
   * fresh ones: each costs milliseconds). */
  int nown = n / 10 < 10 ? 10 : n / 10;
  if (parent_rows(parent_fresh_own, nown, us) == nown)
    row("fresh child with memoryMb (own VM), from a parent", us, nown, "");
  static const char parent_warm_own[] =
      "export default async (env) => { const out = [];"
      "  const w = env.LOADER.get('w', async () => ({ compatibilityDate: '2026-01-01', limits: { memoryMb: 64 }, modules: { 'c.js': 'export default { f(x) { return x + 1 } }' } })).getEntrypoint();"
      "  await w.f(0);"
      "  for (let i = 0; i < env.N; i++) { const t0 = performance.now(); await w.f(i);"
      "    out.push((performance.now() - t0) * 1000); }"
      "  return out; }";
  if (parent_rows(parent_warm_own, n, us) == n) row("warm child with memoryMb (own VM) RPC, from a parent", us, n, "");
  free(us);
  dw_code_free(code);
  return 0;
}
