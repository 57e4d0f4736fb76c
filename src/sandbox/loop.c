/* dw__loop: the jobs and timers of the realms of one VM, run one VM entry at a time, each
 * under the budget of the realm it enters (sandbox.h). */
#include <string.h>
#include "sandbox_internal.h"

/* Caps: a guest can make jobs (every call to another worker is one) and attach realms
 * (every worker it loads is one); past these the post fails with DW_E_NOMEM, which its
 * caller turns into an error of the guest's. */
#define MAX_JOBS ((size_t)1 << 20)
#define MAX_SANDBOXES ((size_t)1 << 17)

typedef struct {
  dw_sandbox *sb;
  dw__job_fn fn;
  void *user;
} job;

struct dw__loop {
  dw__vm *vm;
  job *jobs; /* ring */
  size_t head, len, cap;
  dw_sandbox **sbs;
  size_t nsbs, sbs_cap;
  dw__loop_hooks hooks;
};

static int post(dw__loop *l, dw_sandbox *sb, dw__job_fn fn, void *user);

dw__loop *dw__loop_new(dw__vm *vm) {
  dw__loop *l = calloc(1, sizeof *l);
  if (l) l->vm = vm;
  return l;
}

void dw__loop_free(dw__loop *l) {
  if (!l) return;
  while (l->len) {
    job j = l->jobs[l->head];
    l->head = (l->head + 1) % l->cap;
    l->len--;
    if (j.sb) j.sb->njobs--;
    j.fn(j.user, j.sb, true);
  }
  for (size_t i = 0; i < l->nsbs; i++) {
    l->sbs[i]->attached = false;
    l->sbs[i]->loop = NULL;
  }
  free(l->jobs);
  free(l->sbs);
  free(l);
}

void dw__loop_set_hooks(dw__loop *l, const dw__loop_hooks *h) {
  if (h) l->hooks = *h;
  else memset(&l->hooks, 0, sizeof l->hooks);
}

int dw__loop_post(dw__loop *l, dw_sandbox *sb, dw__job_fn fn, void *user) {
  if (!sb) return DW_E_BAD_REQUEST;
  return post(l, sb, fn, user);
}

int dw__loop_post_host(dw__loop *l, dw__job_fn fn, void *user) { return post(l, NULL, fn, user); }

static int post(dw__loop *l, dw_sandbox *sb, dw__job_fn fn, void *user) {
  if (l->len == l->cap) {
    if (l->cap >= MAX_JOBS) return DW_E_NOMEM;
    size_t cap = l->cap ? l->cap * 2 : 64;
    job *j = malloc(cap * sizeof *j);
    if (!j) return DW_E_NOMEM;
    for (size_t i = 0; i < l->len; i++) j[i] = l->jobs[(l->head + i) % l->cap];
    free(l->jobs);
    l->jobs = j;
    l->head = 0;
    l->cap = cap;
  }
  l->jobs[(l->head + l->len) % l->cap] = (job){sb, fn, user};
  l->len++;
  if (sb) sb->njobs++;
  return 0;
}

void dw__loop_cancel(dw__loop *l, dw_sandbox *sb) {
  if (!sb->njobs) return;
  size_t kept = 0, n = l->len;
  for (size_t i = 0; i < n; i++) {
    job j = l->jobs[(l->head + i) % l->cap];
    if (j.sb == sb) {
      sb->njobs--;
      j.fn(j.user, j.sb, true);
    } else {
      l->jobs[(l->head + kept++) % l->cap] = j;
    }
  }
  l->len = kept;
}

int dw__loop_attach(dw__loop *l, dw_sandbox *sb) {
  if (sb->attached) return 0;
  if (l->nsbs == l->sbs_cap) {
    if (l->sbs_cap >= MAX_SANDBOXES) return DW_E_NOMEM;
    size_t cap = l->sbs_cap ? l->sbs_cap * 2 : 16;
    dw_sandbox **s = realloc(l->sbs, cap * sizeof *s);
    if (!s) return DW_E_NOMEM;
    l->sbs = s;
    l->sbs_cap = cap;
  }
  l->sbs[l->nsbs++] = sb;
  sb->attached = true;
  return 0;
}

void dw__loop_detach(dw__loop *l, dw_sandbox *sb) {
  if (!sb->attached) return;
  for (size_t i = 0; i < l->nsbs; i++)
    if (l->sbs[i] == sb) {
      l->sbs[i] = l->sbs[--l->nsbs];
      break;
    }
  sb->attached = false;
}

/* ---- Entries ------------------------------------------------------------------------- */

/* The sandbox's own limits, counted over all its entries since its invocation started. */
static void own_budget(dw_sandbox *sb, dw__budget *b) {
  uint64_t limit = (uint64_t)sb->opts.limits.cpu_ms * 1000000u;
  b->cpu_ns = sb->cpu_ns < limit ? limit - sb->cpu_ns : 0;
  b->wall_deadline_ns = sb->wall_deadline;
  b->memory_bytes = (size_t)sb->vm_memory_mb << 20;
}

bool dw__entry_enter(dw_sandbox *sb) {
  /* An unrooted realm may already be collected: whoever queued work for it had to reroot it
   * first (the loader does, when it takes a reference). */
  if (dw__sandbox_unrooted(sb)) DW_BUG("entry into an unrooted sandbox");
  dw__budget b;
  if (sb->hooks.budget) sb->hooks.budget(sb->hooks.user, sb, &b);
  else own_budget(sb, &b);
  if (!b.cpu_ns || dw__now_ns() >= b.wall_deadline_ns) return false;
  dw__vm_switch(sb->vm, &b, sb->c);
  sb->entry_cpu0 = dw__thread_cpu_ns();
  return true;
}

int dw__entry_leave(dw_sandbox *sb) {
  uint64_t used = dw__thread_cpu_ns() - sb->entry_cpu0;
  uint64_t credit = dw__vm_credit(sb->vm);
  used = used > credit ? used - credit : 0;
  sb->cpu_ns += used;
  int t = dw__vm_recover(sb->vm, sb->c);
  if (sb->hooks.after) sb->hooks.after(sb->hooks.user, sb, used, t);
  return t;
}

/* What a sandbox whose budget was spent before an entry gets: the limit that applies. */
static int spent_reason(dw_sandbox *sb) {
  dw__budget b;
  if (sb->hooks.budget) sb->hooks.budget(sb->hooks.user, sb, &b);
  else own_budget(sb, &b);
  return b.cpu_ns ? DW_E_WALL_LIMIT : DW_E_CPU_LIMIT;
}

/* ---- The loop ------------------------------------------------------------------------ */

static bool root_done(const dw_sandbox *root) {
  return root->settled && (!root->drain || !root->ok || root->ntimers == 0);
}

/* Any live realm of the loop's VM (for engine calls that need one), or NULL. A sandbox of
 * the loop may have a VM of its own (a worker with its own memory limit): its realm must
 * never stand for the loop's VM. */
static dw__ctx *any_ctx(dw__loop *l, dw_sandbox *root) {
  if (root && root->vm == l->vm) return root->c;
  for (size_t i = 0; i < l->nsbs; i++)
    if (!l->sbs[i]->dead && l->sbs[i]->vm == l->vm && !dw__sandbox_unrooted(l->sbs[i]))
      return l->sbs[i]->c;
  return NULL;
}

/* Host work (making a realm) is no guest's: it runs under a budget of its own, generous
 * but bounded, so that a broken engine cannot hang the loop. */
#define HOST_JOB_NS 5000000000ull

/* Runs one job; returns a limit that ended root, or 0. */
static int run_job(dw__loop *l, dw_sandbox *root) {
  job j = l->jobs[l->head];
  l->head = (l->head + 1) % l->cap;
  l->len--;
  if (!j.sb) {
    /* No memory check: the engine's heap statistics walk the heap, and doing so from the
     * watchdog while a realm is being made crashed the engine (a global object half built). */
    dw__budget b = {.cpu_ns = HOST_JOB_NS, .wall_deadline_ns = dw__now_ns() + HOST_JOB_NS,
                    .memory_bytes = 0};
    dw__vm_switch(l->vm, &b, NULL);
    j.fn(j.user, NULL, false);
    dw__vm_recover(l->vm, any_ctx(l, root));
    return 0;
  }
  j.sb->njobs--;
  if (j.sb->dead) {
    j.fn(j.user, j.sb, true);
    return 0;
  }
  if (!dw__entry_enter(j.sb)) {
    int t = spent_reason(j.sb);
    j.fn(j.user, j.sb, true);
    if (j.sb == root) return t;
    if (j.sb->hooks.after) j.sb->hooks.after(j.sb->hooks.user, j.sb, 0, t);
    return 0;
  }
  j.fn(j.user, j.sb, false);
  int t = dw__entry_leave(j.sb);
  return j.sb == root ? t : 0;
}

/* The sandbox with the earliest timer, or NULL. */
static dw_sandbox *earliest_timer(dw__loop *l, uint64_t *due) {
  dw_sandbox *best = NULL;
  *due = UINT64_MAX;
  for (size_t i = 0; i < l->nsbs; i++) {
    dw_sandbox *sb = l->sbs[i];
    if (sb->dead || !sb->ntimers) continue;
    uint64_t d = dw__timers_next_due(sb);
    if (d < *due) {
      *due = d;
      best = sb;
    }
  }
  return best;
}

static int fire_timer(dw_sandbox *sb, dw_sandbox *root) {
  if (!dw__entry_enter(sb)) {
    int t = spent_reason(sb);
    if (sb == root) return t;
    if (sb->hooks.after) sb->hooks.after(sb->hooks.user, sb, 0, t);
    return 0;
  }
  dw__timers_fire_one(sb);
  int t = dw__entry_leave(sb);
  return sb == root ? t : 0;
}

int dw__loop_run_until(dw__loop *l, dw_sandbox *root, bool (*done)(void *user), void *user,
                       uint64_t deadline, size_t memory_cap) {
  for (;;) {
    uint64_t now = dw__now_ns();
    if (l->hooks.tick) l->hooks.tick(l->hooks.user, now);
    if (root ? root_done(root) : done(user)) return 0;
    if (now >= deadline) return DW_E_WALL_LIMIT;
    /* The VM's heap, between entries (where reading it is safe). */
    dw__ctx *c = any_ctx(l, root);
    int m = c ? dw__vm_check_heap(l->vm, c, memory_cap) : 0;
    if (m && l->hooks.pressure && l->hooks.pressure(l->hooks.user)) {
      dw__vm_heap_recheck(l->vm);
      continue;
    }
    if (m) return m;
    if (l->len) {
      int t = run_job(l, root);
      if (t) return t;
      continue;
    }
    uint64_t due;
    dw_sandbox *tsb = earliest_timer(l, &due);
    if (tsb && due <= now) {
      int t = fire_timer(tsb, root);
      if (t) return t;
      continue;
    }
    uint64_t hook_due = l->hooks.next_due ? l->hooks.next_due(l->hooks.user) : UINT64_MAX;
    bool busy = l->hooks.busy && l->hooks.busy(l->hooks.user);
    if (!tsb && hook_due == UINT64_MAX && !busy)
      return root ? (root->settled ? 0 : DW_E_NEVER_SETTLED) : DW_E_NEVER_SETTLED;
    uint64_t until = due < hook_due ? due : hook_due;
    if (deadline < until) until = deadline;
    if (until > now) {
      if (l->hooks.wait) l->hooks.wait(l->hooks.user, until - now);
      else dw__sleep_ns(until - now);
    }
  }
}

int dw__loop_run(dw__loop *l, dw_sandbox *root) {
  return dw__loop_run_until(l, root, NULL, NULL, root->wall_deadline,
                            (size_t)root->vm_memory_mb << 20);
}
