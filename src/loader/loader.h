/* loader: the Worker Loader. A worker that holds a loader binding creates dynamic workers
 * (`env.LOADER.get(id, cb)`, `env.LOADER.load(code)`), each a fresh realm in the same VM,
 * calls them over fetch and RPC, and hands them capabilities (docs/LOADER.md).
 * Depends on: sandbox, engine, modules, util. */
#ifndef DW_LOADER_H
#define DW_LOADER_H

#include "dynworker.h"
#include "net/net.h"

typedef struct dw_loader dw_loader;

typedef struct {
  const char *name;    /* env.NAME */
  const dw_code *code; /* the worker behind it (borrowed; must outlive the run) */
} dw__loader_service;

typedef struct {
  const char *const *loaders; /* names of loader bindings put in the root's env */
  size_t nloaders;
  const dw__loader_service *services; /* worker bindings (--service NAME=FILE) */
  size_t nservices;
  size_t max_instances; /* warm instances kept (LRU); 0: 1000 */
  size_t max_bytes;     /* their estimated memory; 0: 256 MiB */
  uint32_t child_cpu_ms, child_wall_ms; /* a dynamic worker's default limits; 0: 50, 30000 */
  /* The root worker's egress (and that of workers that inherit it: globalOutbound omitted);
   * borrowed, must outlive the loader. NULL: fetch() at the root has no network
   * (docs/EGRESS.md). */
  const dw__net_policy *outbound;
} dw__loader_config;

typedef struct {
  uint64_t live;      /* instances alive (cached, loaded with load(), in flight) */
  uint64_t cached;    /* warm instances in the cache */
  uint64_t bytes;     /* their estimated memory */
  uint64_t hits, misses, evictions, created, calls;
} dw__loader_stats;

/* A loader with its own VM and loop (dw__loader_run does new, run_root, free). */
int dw__loader_new(const dw__loader_config *cfg, const dw_sandbox_options *opts,
                   dw_log_cb log, void *log_user, dw_loader **out);
void dw__loader_free(dw_loader *L);
void dw__loader_stats_get(const dw_loader *L, dw__loader_stats *st);
/* Runs `code` as the loader's root worker (once per loader). Blocks. */
int dw__loader_run_root(dw_loader *L, const dw_sandbox_options *opts, const dw_code *code,
                        const dw_invocation *inv, dw_result **out);

/* Runs `code` as the root worker of a loader (a VM of its own; `opts` as for
 * dw_sandbox_new) with `cfg`'s bindings, and returns its result as dw_sandbox_run does.
 * `log` receives the console lines of every worker (children's prefixed with their id).
 * Blocks. */
int dw__loader_run(const dw__loader_config *cfg, const dw_sandbox_options *opts,
                   const dw_code *code, const dw_invocation *inv, dw_log_cb log, void *log_user,
                   dw_result **out, dw__loader_stats *stats);

#endif
