/* Cycles of references between workers, found and freed (docs/internals/loader.md, "Cycles").
 *
 * Workers are reference-counted, and references run both ways: a realm's capability table
 * holds stubs and entrypoints of other workers (cap.inst) and get() stubs of which it holds
 * the callback (cap.owner), and a child holds its parent (instance.parent). A worker that
 * holds a capability to itself (ctx.exports' loopbacks), or a parent and child that hold
 * each other (a loopback of the parent in the child's env, the child's stub in the parent's
 * realm), keep their counts above zero when nothing else refers to them: an evicted get()
 * worker, or a load() worker with a VM of its own, was never freed. (A load() worker in the
 * loader's VM is unrooted instead: caps.c.)
 *
 * Synchronous cycle collection after Bacon and Rajan, restricted to what the candidates
 * reach: a worker whose count fell without reaching zero, or that left the cache, failed or
 * finished loading, is a candidate. At a tick the collector gathers what the candidates reach
 * through worker slots (capability tables `caps[]`, `env_caps`, `tails`, `outbound_cap`, each
 * holding one reference to its cap; a cap holds one to `inst` and one to `owner`; an
 * instance holds one to its `parent`), never entering a busy worker (the root, a service, a
 * cached one, one with calls in flight or waiting, loading or being made: alive whatever its
 * count, and so is all it reaches). It subtracts the references the gathered slots hold (trial
 * deletion); what keeps a count above zero comes from outside (the cache, a call or clone in
 * flight, the host, a busy worker), and everything reachable from such a node is alive. The
 * other workers are garbage: each fails (nothing of its runs again) and then drops its
 * references, so that their counts reach zero and dw__instances_reap frees them.
 *
 * An edge counted here must be a reference really held: a missed one only keeps garbage
 * alive; one too many would free a live worker (a negative count is a DW_BUG). Work is
 * bounded: each candidate earns CANDIDATE_CREDIT visits (a worker, a cap, a slot), each
 * candidate is collected on its own, and one whose graph would need more than the budget
 * holds is parked until the budget has grown to twice what it tried (so a guest whose
 * workers hold a million capabilities cannot make the loader walk them at every eviction,
 * nor keep other garbage from being collected; the busy root's table is never walked). */
#include <stdlib.h>
#include "loader_internal.h"

/* Visits (a worker, a cap, a slot) one candidate pays for; the budget's ceiling. */
#define CANDIDATE_CREDIT 4096u
#define BUDGET_MAX ((size_t)1 << 26)

/* Alive whatever its count, with all it reaches; never entered. */
static bool busy(const instance *in) {
  return in->is_root || in->is_service || in->cached || in->ninflight || in->wait_head ||
         in->loading || in->creating || in->providing || in->api_making;
}

static void budget_add(dw_loader *L, size_t n) {
  L->cycles_budget = L->cycles_budget + n > BUDGET_MAX ? BUDGET_MAX : L->cycles_budget + n;
}

static void budget_spend(dw_loader *L, size_t n) {
  L->cycles_budget = L->cycles_budget > n ? L->cycles_budget - n : 0;
  L->stats.cycles_visits += n;
}

static void push(instance **head, instance *in) {
  in->cand_prev = NULL;
  in->cand_next = *head;
  if (*head) (*head)->cand_prev = in;
  *head = in;
}

void dw__cycles_candidate(instance *in) {
  dw_loader *L = in->L;
  if (in->cand_queued || in->is_root || in->is_service || in->freeing) return;
  in->cand_queued = true;
  in->cand_parked = false;
  push(&L->cand_head, in);
  budget_add(L, CANDIDATE_CREDIT);
}

void dw__cycles_forget(instance *in) {
  if (!in->cand_queued) return;
  instance **head = in->cand_parked ? &in->L->parked_head : &in->L->cand_head;
  if (in->cand_prev) in->cand_prev->cand_next = in->cand_next;
  else *head = in->cand_next;
  if (in->cand_next) in->cand_next->cand_prev = in->cand_prev;
  in->cand_prev = in->cand_next = NULL;
  in->cand_queued = false;
  in->cand_parked = false;
}

/* Waits until the budget holds `need` (the candidate stays queued: a new event for it
 * changes nothing). */
static void park(instance *in, size_t need) {
  dw_loader *L = in->L;
  dw__cycles_forget(in);
  in->cand_queued = true;
  in->cand_parked = true;
  in->cand_need = need;
  push(&L->parked_head, in);
  if (!L->parked_min || need < L->parked_min) L->parked_min = need;
}

/* ---- The gathered subgraph: instances and caps, tagged (caps have the low bit set) ---- */

typedef struct {
  dw_loader *L;
  uintptr_t *nodes; /* everything gathered, in order */
  size_t n, size;
  size_t work, limit;
  bool failed; /* out of memory or over the limit: nothing is freed */
} graph;

static bool add(graph *g, void *p, bool is_cap) {
  if (g->n == g->size) {
    size_t ns = g->size ? g->size * 2 : 256;
    uintptr_t *t = realloc(g->nodes, ns * sizeof *t);
    if (!t) return g->failed = true, false;
    g->nodes = g->L->gc_nodes = t;
    g->size = g->L->gc_nodes_cap = ns;
  }
  g->nodes[g->n++] = (uintptr_t)p | (is_cap ? 1u : 0u);
  return true;
}

static bool in_graph_i(const graph *g, const instance *in) {
  return in->gc_epoch == g->L->gc_epoch;
}

/* Gathers in (once), unless it is busy or another loader's. */
static void gather_instance(graph *g, instance *in) {
  if (!in || in->L != g->L || in_graph_i(g, in) || busy(in) || g->failed) return;
  in->gc_epoch = g->L->gc_epoch;
  in->gc_refs = in->refs;
  in->gc_live = false;
  add(g, in, false);
}

static void gather_cap(graph *g, cap *k) {
  if (k->gc_epoch == g->L->gc_epoch || g->failed) return;
  k->gc_epoch = g->L->gc_epoch;
  k->gc_refs = k->refs;
  k->gc_live = false;
  add(g, k, true);
}

/* Runs the statement that follows with k set to each capability slot of in that holds one
 * (a capability may be in several slots). */
#define EACH_SLOT(in, k, ...)                                                          \
  do {                                                                                 \
    for (uint32_t i_ = 0; i_ < (in)->ncaps; i_++)                                      \
      if (((k) = (in)->caps[i_])) __VA_ARGS__                                          \
    for (size_t i_ = 0; i_ < (in)->nenv_caps; i_++)                                    \
      if (((k) = (in)->env_caps[i_])) __VA_ARGS__                                      \
    for (size_t i_ = 0; i_ < (in)->ntails; i_++)                                       \
      if (((k) = (in)->tails[i_])) __VA_ARGS__                                         \
    if (((k) = (in)->outbound_cap)) __VA_ARGS__                                        \
  } while (0)

/* Everything `from` reaches without entering a busy worker; false when that would cost more
 * than g->limit visits (or memory ran out). */
static bool gather(graph *g, instance *from) {
  gather_instance(g, from);
  cap *k;
  for (size_t i = 0; i < g->n && !g->failed; i++) {
    if (++g->work > g->limit) return false;
    if (g->nodes[i] & 1u) {
      k = (cap *)(g->nodes[i] & ~(uintptr_t)1u);
      gather_instance(g, k->inst);
      gather_instance(g, k->owner);
    } else {
      instance *in = (instance *)g->nodes[i];
      EACH_SLOT(in, k, {
        if (++g->work > g->limit) return false;
        gather_cap(g, k);
      });
      gather_instance(g, in->parent);
    }
  }
  return !g->failed;
}

static void mark(uintptr_t node, uintptr_t *stack, size_t *sp) {
  bool *live = node & 1u ? &((cap *)(node & ~(uintptr_t)1u))->gc_live : &((instance *)node)->gc_live;
  if (*live) return;
  *live = true;
  stack[(*sp)++] = node;
}

/* Breaks the references a garbage worker holds (its count then falls with the others'). */
static void drop_refs(instance *in) {
  dw__instance_drop_slots(in);
  instance *p = in->parent;
  in->parent = NULL;
  if (p) dw__instance_unref(p);
}

/* Collects what `from` reaches within `limit` visits: how many workers it freed, or -1 when
 * it would need more (or memory ran out). */
static long collect(dw_loader *L, instance *from, size_t limit) {
  /* The loader keeps both buffers from one collection to the next: a collection runs after
   * most calls (the callee's count fell), nearly always over a handful of nodes. */
  graph g = {.L = L, .limit = limit, .nodes = L->gc_nodes, .size = L->gc_nodes_cap};
  long freed = -1;
  uintptr_t *stack = L->gc_stack;
  cap *k;
  L->gc_epoch++;
  bool whole = gather(&g, from);
  budget_spend(L, g.work);
  if (!whole) goto out;
  freed = 0;
  /* Subtract the references held within the graph. */
  for (size_t i = 0; i < g.n; i++) {
    if (g.nodes[i] & 1u) {
      k = (cap *)(g.nodes[i] & ~(uintptr_t)1u);
      if (k->inst && in_graph_i(&g, k->inst)) k->inst->gc_refs--;
      if (k->owner && in_graph_i(&g, k->owner)) k->owner->gc_refs--;
    } else {
      instance *in = (instance *)g.nodes[i];
      EACH_SLOT(in, k, { k->gc_refs--; });
      if (in->parent && in_graph_i(&g, in->parent)) in->parent->gc_refs--;
    }
  }
  /* What is left is held from outside: alive, with all it reaches within the graph. */
  if (g.n > L->gc_stack_cap) {
    if (!(stack = realloc(L->gc_stack, g.n * sizeof *stack))) {
      freed = -1;
      goto out;
    }
    L->gc_stack = stack;
    L->gc_stack_cap = g.n;
  }
  size_t sp = 0;
  for (size_t i = 0; i < g.n; i++) {
    int refs = g.nodes[i] & 1u ? ((cap *)(g.nodes[i] & ~(uintptr_t)1u))->gc_refs
                               : ((instance *)g.nodes[i])->gc_refs;
    if (refs < 0) DW_BUG("a worker or capability has fewer references than the workers hold");
    if (refs > 0) mark(g.nodes[i], stack, &sp);
  }
  while (sp) {
    uintptr_t node = stack[--sp];
    if (node & 1u) {
      k = (cap *)(node & ~(uintptr_t)1u);
      if (k->inst && in_graph_i(&g, k->inst)) mark((uintptr_t)k->inst, stack, &sp);
      if (k->owner && in_graph_i(&g, k->owner)) mark((uintptr_t)k->owner, stack, &sp);
    } else {
      instance *in = (instance *)node;
      EACH_SLOT(in, k, { mark((uintptr_t)k | 1u, stack, &sp); });
      if (in->parent && in_graph_i(&g, in->parent)) mark((uintptr_t)in->parent, stack, &sp);
    }
  }
  /* First every garbage worker fails (none of its JS runs again), then they drop their
   * references: no count reaches zero while the graph is walked. (Failing and dropping
   * queue them and others as candidates again: looked at, and let go, in turn.) */
  for (size_t i = 0; i < g.n; i++) {
    instance *in = (instance *)g.nodes[i];
    if ((g.nodes[i] & 1u) || in->gc_live) continue;
    dw__instance_fail(in, DW_E_INTERNAL, "Error",
                      "this worker was freed: nothing could reach it any more", "", NULL);
    freed++;
  }
  for (size_t i = 0; i < g.n; i++) {
    instance *in = (instance *)g.nodes[i];
    if (!(g.nodes[i] & 1u) && !in->gc_live) drop_refs(in);
  }
  L->stats.cycles_freed += (uint64_t)freed;
out:
  return freed;
}

/* Collects from each candidate in turn, within the budget (SIZE_MAX: whatever it costs);
 * one that needs more is parked. Parked ones are tried again once the budget reaches what
 * they need. */
static size_t run(dw_loader *L, bool unbounded) {
  size_t freed = 0;
  if (L->parked_head && (unbounded || L->cycles_budget >= L->parked_min)) {
    /* Back in line, those the budget now covers (the walk of the list is paid for too). */
    size_t min = 0;
    budget_spend(L, 1);
    for (instance *in = L->parked_head, *next; in; in = next) {
      next = in->cand_next;
      budget_spend(L, 1);
      if (unbounded || in->cand_need <= L->cycles_budget) {
        dw__cycles_forget(in);
        in->cand_queued = true;
        push(&L->cand_head, in);
      } else if (!min || in->cand_need < min) {
        min = in->cand_need;
      }
    }
    L->parked_min = min;
  }
  while (L->cand_head) {
    instance *in = L->cand_head;
    dw__cycles_forget(in);
    budget_spend(L, 1);
    /* busy: queued again when it stops being (its call's reference goes, it leaves the cache,
     * it finishes loading); at zero the reap frees it anyway */
    if (busy(in) || in->refs <= 0) continue;
    size_t limit = unbounded ? SIZE_MAX : L->cycles_budget;
    long n = collect(L, in, limit);
    if (n >= 0) {
      freed += (size_t)n;
    } else if (!unbounded) {
      size_t need = 2 * (limit > CANDIDATE_CREDIT ? limit : CANDIDATE_CREDIT);
      park(in, need < BUDGET_MAX ? need : BUDGET_MAX);
    }
  }
  return freed;
}

size_t dw__cycles_collect(dw_loader *L) { return run(L, true); }

void dw__cycles_tick(dw_loader *L) {
  if (L->cand_head || (L->parked_head && L->cycles_budget >= L->parked_min)) run(L, false);
}
