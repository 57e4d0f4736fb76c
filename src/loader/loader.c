/* The Worker Loader: a root worker and the dynamic workers it creates, in one VM, on one
 * loop (loader_internal.h for the layout, docs/LOADER.md for the semantics). */
#include <string.h>
#include "loader_internal.h"
#include "modules/modules.h"

#define DEFAULT_MAX_INSTANCES 1000
#define DEFAULT_MAX_BYTES ((size_t)256 << 20)
#define DEFAULT_CHILD_CPU_MS 50
#define DEFAULT_CHILD_WALL_MS 30000

/* The loader layer's version check: the library a host links is the one it compiled with. */
bool dw__loader_abi_ok(unsigned header_version) { return header_version == dw_version(); }

/* ---- Loop hooks -------------------------------------------------------------------------- */

/* External work in flight: host binding calls answered later, and egress requests. */
static bool busy(void *user) {
  dw_loader *L = user;
  return L->host_pending > 0 || L->nremote > 0 || L->pumping || dw__egress_busy(L);
}

/* Waits for whichever can wake the loop: curl for requests, a condition variable for
 * binding calls; with both pending, curl in short slices so completions are not late. */
static void wait_for(void *user, uint64_t ns) {
  dw_loader *L = user;
  bool net = dw__egress_busy(L);
  bool host = L->host_pending || L->nremote || L->pumping;
  if (host && net) dw__egress_wait(L, ns < 2000000u ? ns : 2000000u);
  else if (host) dw__host_wait(L, ns);
  else dw__egress_wait(L, ns);
}

/* The VM is over its memory cap: warm workers nobody is using go first. */
static bool pressure(void *user) {
  dw_loader *L = user;
  size_t before = L->ncached;
  for (instance *in = L->lru_tail, *prev; in; in = prev) {
    prev = in->prev;
    if (!in->ninflight && !in->loading && !in->wait_head) {
      L->stats.evictions++;
      dw__cache_remove(L, in);
    }
  }
  size_t freed = dw__cycles_collect(L);
  if (L->ncached == before && !freed) return false;
  dw__instances_reap(L);
  return true;
}

static uint64_t next_due(void *user) {
  dw_loader *L = user;
  return L->next_deadline;
}

static void tick(void *user, uint64_t now) {
  dw_loader *L = user;
  if (L->pumping && L->cfg.remote && L->cfg.remote->tick) L->cfg.remote->tick(L->cfg.remote->user);
  dw__host_drain(L);
  dw__own_vms_tick(L);
  dw__releases_drain(L);
  dw__calls_expire(L, now);
  dw__egress_tick(L);
  dw__cache_evict(L);
  dw__cycles_tick(L);
  dw__instances_reap(L);
  dw__unroot_drain(L);
}


/* ---- Set-up ----------------------------------------------------------------------------- */

static int start_services(dw_loader *L) {
  for (size_t i = 0; i < L->cfg.nservices; i++) {
    const dw__loader_service *s = &L->cfg.services[i];
    instance *in = dw__instance_new(L, NULL, s->name);
    dw_code *code = in ? dw__code_copy(s->code) : NULL;
    if (!code) return DW_E_NOMEM;
    in->is_service = true;
    /* A service is a worker of the host's: the root's limits, and it stays for the run. */
    in->limits.cpu_ms = L->child_opts.limits.cpu_ms;
    in->limits.wall_ms = L->child_opts.limits.wall_ms;
    in->limits.subrequests = 0;
    int rc = dw__instance_start(in, code);
    if (rc) return rc;
  }
  return 0;
}

static void loader_free(dw_loader *L) {
  /* Jobs first (a cancelled job frees what it carries, such as a settled call), then the
   * calls left, then the instances. */
  if (L->loop) dw__loop_free(L->loop);
  L->loop = NULL;
  dw__egress_free_all(L);
  dw__calls_free_all(L);
  /* The realms are going away: what they track is forgotten first (its weak references
   * belong to their VMs). */
  dw__tracked_drop(L, NULL);
  dw__instances_free_all(L);
  free(L->gc_nodes);
  free(L->gc_stack);
  if (L->vm) dw__vm_free(L->vm);
  free(L->table);
  for (size_t i = 0; i < L->nbindings; i++) free(L->bindings[i].name);
  free(L->bindings);
  pthread_mutex_destroy(&L->host_mu);
  pthread_cond_destroy(&L->host_cv);
  free(L);
}

int dw__loader_new(const dw__loader_config *cfg, const dw_sandbox_options *opts,
                   dw_log_cb log, void *log_user, dw_loader **out) {
  *out = NULL;
  dw_loader *L = calloc(1, sizeof *L);
  if (!L) return DW_E_NOMEM;
  L->cfg = *cfg;
  if (!L->cfg.max_instances) L->cfg.max_instances = DEFAULT_MAX_INSTANCES;
  if (!L->cfg.max_bytes) L->cfg.max_bytes = DEFAULT_MAX_BYTES;
  if (!L->cfg.child_cpu_ms) L->cfg.child_cpu_ms = DEFAULT_CHILD_CPU_MS;
  if (!L->cfg.child_wall_ms) L->cfg.child_wall_ms = DEFAULT_CHILD_WALL_MS;
  L->next_deadline = UINT64_MAX;
  pthread_mutex_init(&L->host_mu, NULL);
  pthread_cond_init(&L->host_cv, NULL);
  L->log = log;
  L->log_user = log_user;
  if (opts) L->child_opts = *opts;
  L->child_opts.env_json = NULL;
  if (!L->child_opts.limits.cpu_ms) L->child_opts.limits.cpu_ms = 1000;
  if (!L->child_opts.limits.wall_ms) L->child_opts.limits.wall_ms = 10000;
  L->vm_memory_mb = L->child_opts.limits.memory_mb ? L->child_opts.limits.memory_mb : 128;
  if (!(L->vm = dw__vm_new(L->child_opts.allow_wasm)) || !(L->loop = dw__loop_new(L->vm))) {
    loader_free(L);
    return DW_E_NOMEM;
  }
  if (cfg->outbound && !(L->net = dw__net_new())) {
    loader_free(L);
    return DW_E_NOMEM;
  }
  dw__loop_hooks lh = {.user = L, .next_due = next_due, .tick = tick, .busy = busy,
                       .wait = wait_for, .pressure = pressure};
  dw__loop_set_hooks(L->loop, &lh);
  *out = L;
  return 0;
}

void dw__loader_free(dw_loader *L) {
  if (L) loader_free(L);
}

void dw__loader_stats_get(const dw_loader *L, dw__loader_stats *st) {
  *st = L->stats;
  st->cached = L->ncached;
  st->bytes = L->cached_bytes;
}

int dw__loader_run_root(dw_loader *L, const dw_sandbox_options *opts, const dw_code *code,
                        const dw_invocation *inv, dw_result **out) {
  *out = NULL;
  if (L->root) return DW_E_BAD_REQUEST; /* one root per loader */
  instance *root = dw__instance_new(L, NULL, "root");
  if (!root) return DW_E_NOMEM;
  root->is_root = true;
  root->state = I_READY;
  root->limits.cpu_ms = L->child_opts.limits.cpu_ms;
  root->limits.wall_ms = L->child_opts.limits.wall_ms;
  root->limits.subrequests = 0;
  L->root = root;
  dw__sandbox_hooks h = dw__instance_hooks;
  h.user = root;
  h.budget = NULL; /* the root's own limits, as dw_sandbox_run counts them */
  h.after = NULL;
  h.ready = NULL;
  int rc = dw__sandbox_new_in(L->vm, L->vm_memory_mb, opts, L->loop, &h, &root->sb);
  if (rc) return rc;
  dw__sandbox_set_log(root->sb, L->log, L->log_user, true);
  if ((rc = start_services(L))) return rc;
  return dw_sandbox_run(root->sb, code, inv, out);
}

int dw__loader_run(const dw__loader_config *cfg, const dw_sandbox_options *opts,
                   const dw_code *code, const dw_invocation *inv, dw_log_cb log, void *log_user,
                   dw_result **out, dw__loader_stats *stats) {
  *out = NULL;
  dw_loader *L = NULL;
  int rc = dw__loader_new(cfg, opts, log, log_user, &L);
  if (rc) return rc;
  rc = dw__loader_run_root(L, opts, code, inv, out);
  if (stats) dw__loader_stats_get(L, stats);
  loader_free(L);
  return rc;
}
