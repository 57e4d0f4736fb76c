/* VMs, realms and the budget that the watchdog and a heap finalizer enforce. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "engine.h"
#include "engine_internal.h"
#include <jsc/jsc.h>
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)0)
#endif

/* How often (CPU seconds within one VM entry) the watchdog looks at the budget. */
#define WATCHDOG_TICK 0.010

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_process(void) {
  /* Engine options may only be set before the first VM exists, so once per process.
   * Polling traps make the engine check for termination at function entries too, not only
   * at loop back-edges reached by a signal: without them an endless chain of microtasks
   * that contains no loop is never interrupted (measured: it ran until killed). */
  if (!getenv("DW_NO_POLLING")) jsc_options_set_boolean("usePollingTraps", TRUE);
  /* Baseline JIT code sharing (one machine code per function for all the realms of a VM)
   * makes every linked function, hot or not, carry the data that shared code needs: with it
   * on, a realm that ran a fetch handler held ~740 KB of heap, without it ~400 KB. Without
   * sharing, though, each realm compiled its own baseline code for functions the VM had
   * compiled before (tiered up "soon": thresholdForJITSoon, 100): JIT threads busy and a
   * hello sandbox ~35% slower. Tiering up only after 1000 calls or loop iterations (not
   * 100 or 500) keeps cold starts as fast as with sharing and the memory low; hot loops are
   * unchanged, and a realm that runs warm code pays its own compile (~12% on a 1,500
   * iteration loop per realm). docs/PERFORMANCE-NOTES.md. DW_BASELINE_SHARING=1 restores the
   * engine's defaults, for measurement. */
  if (!getenv("DW_BASELINE_SHARING")) {
    jsc_options_set_boolean("useBaselineJITCodeSharing", FALSE);
    jsc_options_set_int("thresholdForJITSoon", 1000);
    jsc_options_set_int("thresholdForJITAfterWarmUp", 1000);
  }
}

void dw__engine_init(void) { pthread_once(&init_once, init_process); }

static bool watchdog_cb(JSContextRef ctx, void *data);

/* The realms of a VM share one heap, and a collection is paid by whichever realm is running
 * when it happens: with many live realms one can cost far more than the realm's own work
 * (100-300 ms with 1,000 live realms on a busy machine). So the time of each collection is
 * measured and not held against the budget: the heap finalizer runs at the end of every
 * collection, and the JS thread's CPU since the last mark (the budget's start, the previous
 * watchdog tick or collection) is credited. That also credits up to one watchdog tick (10
 * ms) of the guest's own work per collection, so the credit is capped per budget. */
#define GC_CREDIT_MAX_NS 1000000000ull

static uint64_t js_cpu(const dw__vm *vm) {
  struct timespec ts;
  if (clock_gettime(vm->js_clock, &ts)) return dw__thread_cpu_ns();
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t used_ns(const dw__vm *vm) {
  uint64_t used = js_cpu(vm) - vm->cpu_start_ns;
  uint64_t credit = atomic_load(&vm->gc_credit_ns);
  return used > credit ? used - credit : 0;
}

static bool over_budget(dw__vm *vm) {
  if (vm->terminated) return true;
  if (used_ns(vm) > vm->budget.cpu_ns) vm->terminated = DW_E_CPU_LIMIT;
  else if (dw__now_ns() > vm->budget.wall_deadline_ns) vm->terminated = DW_E_WALL_LIMIT;
  return vm->terminated != 0;
}

/* The heap statistics walk the heap, so they are read at most every MEMORY_CHECK_NS, and
 * only between VM entries: read from the watchdog, in the middle of whatever the engine
 * was doing, they crashed it (seen with 1,000 live realms, and while a realm was being
 * built). Inside an entry the watchdog looks at how much the process grew instead. */
#define MEMORY_CHECK_NS 20000000u
/* After a check that took t, the next waits CHECK_BACKOFF * t: the walk itself is ~2% of the
 * time, and about as much again goes to what it leaves behind (the statistics object it
 * builds, whose collection comes later). At 19 (5%) the checks were ~9% of a loop of fresh
 * children from a parent worker (bench/loader loop-parent, perf stat, ad hoc). A storm inside
 * one entry is the in-entry check's (below), whatever this backoff. */
#define CHECK_BACKOFF 49u

static bool over_memory_in_entry(dw__vm *vm) {
  if (!vm->budget.memory_bytes) return false;
  size_t rss = dw__rss_bytes();
  if (!vm->rss_base) {
    vm->rss_base = rss; /* first tick of this budget: entries under a tick never pay */
    return false;
  }
  /* The process also holds the engine's malloc'ed temporaries (a deep JSON.parse grows
   * ~150 MB of parser stacks that the heap never sees): only a real storm may trip this
   * in-entry check, so it allows the cap plus max(cap, 256 MB); the heap cap proper is
   * checked between entries, and a process ceiling (the executor) holds the rest. */
  size_t cap = vm->budget.memory_bytes;
  size_t slack = cap > ((size_t)256 << 20) ? cap : ((size_t)256 << 20);
  if (rss <= vm->rss_base || rss - vm->rss_base <= cap + slack) return false;
  vm->terminated = DW_E_MEMORY_LIMIT;
  return true;
}

/* A full collection we ask for (a heap check, the loader's tick), often between entries
 * while the budget in force is an old one: the heap finalizer must not judge that budget (the
 * thread's CPU went on in other VMs' entries since, so it would look overrun: the zero limit
 * armed and the thread held ~15 ms for nothing). Inside an entry its time is credited, as a
 * collection the engine starts is. */
static void host_collect(dw__vm *vm, dw__ctx *c) {
  uint64_t t0 = vm->active ? js_cpu(vm) : 0;
  vm->host_gc = true;
  JSSynchronousGarbageCollectForDebugging(c->ctx);
  vm->host_gc = false;
  if (!vm->active) return;
  uint64_t now = js_cpu(vm), credit = atomic_load(&vm->gc_credit_ns);
  if (now > t0 && credit < GC_CREDIT_MAX_NS) {
    uint64_t d = now - t0;
    atomic_store(&vm->gc_credit_ns, credit + d < GC_CREDIT_MAX_NS ? credit + d : GC_CREDIT_MAX_NS);
  }
  atomic_store(&vm->cpu_mark, now);
}

/* What survives a full collection, against the cap (less what was excused). A full collection
 * of a big heap is slow: the next check backs off so that checking stays a small fraction of
 * the time (see CHECK_BACKOFF). */
static bool collected_over(dw__vm *vm, dw__ctx *c, size_t cap) {
  uint64_t t0 = dw__now_ns();
  host_collect(vm, c);
  size_t heap = dw__vm_heap_bytes(c);
  vm->last_heap_bytes = heap;
  vm->last_memory_check = dw__now_ns() + CHECK_BACKOFF * (dw__now_ns() - t0);
  return cap && heap > vm->excused_bytes && heap - vm->excused_bytes > cap;
}

static bool over_heap(dw__vm *vm, dw__ctx *c, size_t cap) {
  if (!cap) return false;
  uint64_t now = dw__now_ns();
  if (now < vm->last_memory_check + MEMORY_CHECK_NS) return false;
  /* The heap is part of the process's resident memory (its cells are written when made; the
   * engine zero-fills array buffers): while the whole process holds no more than the cap, no
   * heap in it is over the cap, and the walk is not needed. It costs ~2 ms per MB of heap,
   * garbage included (58 ms at 30 MB in bench/loader's loop of fresh children, ~4% of that
   * run), and a process under its cap is the common case: `dynworker run`, an executor. */
  size_t rss = dw__rss_bytes();
  if (rss && rss - (rss > vm->excused_bytes ? vm->excused_bytes : rss) <= cap) {
    vm->last_memory_check = now;
    return false;
  }
  size_t heap = dw__vm_heap_bytes(c);
  vm->last_heap_bytes = heap;
  /* The walk's cost (above) grows with the heap: the next one waits CHECK_BACKOFF times as
   * long as this one took. */
  vm->last_memory_check = dw__now_ns() + CHECK_BACKOFF * (dw__now_ns() - now);
  if (heap <= vm->excused_bytes || heap - vm->excused_bytes <= cap) return false;
  /* The statistics count garbage not yet collected (another realm's, a run that was
   * stopped): only what survives a collection is held against the cap. */
  return collected_over(vm, c, cap);
}

static bool watchdog_cb(JSContextRef ctx, void *data) {
  dw__vm *vm = data;
  if (!vm->active) return false;
  atomic_store(&vm->cpu_mark, js_cpu(vm));
  if (over_budget(vm) || over_memory_in_entry(vm)) {
    /* Back from the zero limit the heap finalizer armed: with a zero limit every VM entry
     * (every microtask, every later call) starts one more engine timer. */
    if (vm->zero_limit) {
      vm->zero_limit = false;
      JSContextGroupSetExecutionTimeLimit(vm->group, WATCHDOG_TICK, watchdog_cb, vm);
    }
    return true;
  }
  /* Returning false does not re-arm the watchdog; arming it again here does. */
  JSContextGroupSetExecutionTimeLimit(vm->group, WATCHDOG_TICK, watchdog_cb, vm);
  return false;
}

/* The heap finalizer takes over only when the periodic watchdog has evidently failed: the
 * budget is exceeded by this much (an endless microtask chain, where each microtask is a
 * fresh VM entry and the watchdog never accumulates time). */
#define FINALIZER_GRACE_NS ((uint64_t)(WATCHDOG_TICK * 1e9))
/* How long the finalizer then holds the JS thread: longer than any engine timer already
 * started (at most one watchdog tick) can take to fire. */
#define FINALIZER_SETTLE_NS (WATCHDOG_TICK * 1e9 + 5000000.0)

/* Runs at the end of each garbage collection, also while the engine drains microtasks. No
 * allocation is allowed here: only clocks are read.
 *
 * Why it is shaped like this (JavaScriptCore 2.50, VMTraps.cpp): every engine timer that
 * fires sets the watchdog trap bit outside the trap lock, then takes the lock in
 * VMTraps::requestThreadStopIfNeeded, which has RELEASE_ASSERT(!m_threadStopRequested) when
 * it finds the bit already taken. If the JS thread takes that bit (VMTraps::handleTraps)
 * while an earlier stop request is still pending (handleTraps cancels it only on its way
 * out), the process aborts. So two engine timers firing close together while JS runs can
 * abort the process, and a zero limit makes every VM entry start a timer: an endless
 * microtask chain then produced bursts of 20-30 timers within a millisecond. Hence: arm the
 * zero limit once per run, then hold this thread without running JS until that timer and
 * any earlier one have fired, so that the JS thread is never inside handleTraps while a
 * burst lands; the first trap check afterwards terminates, and watchdog_cb restores the
 * normal limit at once, so at most one more timer is started. */
static void heap_finalizer(JSContextGroupRef group, void *data) {
  dw__vm *vm = data;
  atomic_fetch_add(&vm->gc_count, 1);
  if (vm->host_gc) return; /* host_collect accounts for it */
  if (vm->active) {
    uint64_t now = js_cpu(vm), mark = atomic_exchange(&vm->cpu_mark, now);
    uint64_t credit = atomic_load(&vm->gc_credit_ns);
    if (now > mark && credit < GC_CREDIT_MAX_NS) {
      uint64_t d = now - mark;
      atomic_store(&vm->gc_credit_ns, credit + d < GC_CREDIT_MAX_NS ? credit + d : GC_CREDIT_MAX_NS);
    }
  }
  if (!vm->active || vm->finalizer_armed) return;
  bool late = used_ns(vm) > vm->budget.cpu_ns + FINALIZER_GRACE_NS ||
              dw__now_ns() > vm->budget.wall_deadline_ns + FINALIZER_GRACE_NS;
  if (!late || !over_budget(vm)) return;
  vm->finalizer_armed = true;
  vm->zero_limit = true;
  /* A limit of 0 makes the next trap check in any VM entry ask watchdog_cb, which says
   * terminate. */
  JSContextGroupSetExecutionTimeLimit(group, 0, watchdog_cb, vm);
  dw__sleep_ns((uint64_t)FINALIZER_SETTLE_NS);
}

dw__vm *dw__vm_new(bool allow_wasm) {
  dw__engine_init();
  dw__vm *vm = calloc(1, sizeof *vm);
  if (!vm) return NULL;
  vm->group = JSContextGroupCreate();
  if (!vm->group) {
    free(vm);
    return NULL;
  }
  vm->allow_wasm = allow_wasm;
  JSContextGroupAddHeapFinalizer(vm->group, heap_finalizer, vm);
  return vm;
}

void dw__vm_free(dw__vm *vm) {
  if (!vm) return;
  if (vm->nctx) DW_BUG("dw__vm_free with live realms");
  dw__clone_realm_free(vm);
  for (int i = 0; i < vm->nscripts; i++)
    if (vm->scripts[i].script) JSScriptRelease(vm->scripts[i].script);
  free(vm->strings); /* the values go with the VM's heap */
  JSContextGroupRemoveHeapFinalizer(vm->group, heap_finalizer, vm);
  JSContextGroupClearExecutionTimeLimit(vm->group);
  JSContextGroupRelease(vm->group);
  free(vm);
}

bool dw__vm_allows_wasm(const dw__vm *vm) { return vm->allow_wasm; }

/* Puts `b` in force from now on: fresh CPU count, no termination pending. */
static void set_budget(dw__vm *vm, const dw__budget *b, dw__ctx *c) {
  if (vm->collect_before_next && c) {
    /* The last run was ended for memory: its garbage must not count against this one. A
     * collection frees most of it, but the engine scans the C stack conservatively and can
     * keep some alive a while longer (seen under AddressSanitizer: a deep recursion right
     * after a memory storm was blamed for it). What survives the collection is excused for
     * this run; measured once, only after a run was ended for memory. */
    host_collect(vm, c);
    vm->excused_bytes = dw__vm_heap_bytes(c);
    vm->collect_before_next = false;
  }
  vm->budget = *b;
  pthread_getcpuclockid(pthread_self(), &vm->js_clock);
  vm->cpu_start_ns = js_cpu(vm);
  atomic_store(&vm->cpu_mark, vm->cpu_start_ns);
  atomic_store(&vm->gc_credit_ns, 0);
  vm->rss_base = 0;
  vm->terminated = 0;
  vm->finalizer_armed = false;
  vm->zero_limit = false;
}

void dw__vm_begin(dw__vm *vm, const dw__budget *b, dw__ctx *c) {
  vm->excused_bytes = 0;
  set_budget(vm, b, c);
  /* The first heap check comes one period into the run: a short run never pays for the
   * heap walk. */
  vm->last_memory_check = dw__now_ns();
  vm->active = true;
  JSContextGroupSetExecutionTimeLimit(vm->group, WATCHDOG_TICK, watchdog_cb, vm);
}

void dw__vm_switch(dw__vm *vm, const dw__budget *b, dw__ctx *c) {
  if (!vm->active) DW_BUG("dw__vm_switch outside dw__vm_begin/dw__vm_end");
  if (vm->zero_limit) {
    vm->zero_limit = false;
    JSContextGroupSetExecutionTimeLimit(vm->group, WATCHDOG_TICK, watchdog_cb, vm);
  }
  set_budget(vm, b, c);
}

int dw__vm_recover(dw__vm *vm, dw__ctx *c) {
  int t = vm->terminated;
  if (t && c) {
    /* A termination that landed in a microtask is still pending in the VM and would fail
     * the next entry once: absorb it here, so the next realm starts clean. */
    JSStringRef s = JSStringCreateWithUTF8CString("0");
    for (int i = 0; i < 2; i++) {
      JSValueRef exc = NULL;
      JSValueRef r = JSEvaluateScript(c->ctx, s, NULL, NULL, 1, &exc);
      if (r && !exc) break;
    }
    JSStringRelease(s);
    /* What the guest allocated becomes garbage once its realm is freed: collect it before
     * the next run on this VM is measured against its own cap. */
    if (t == DW_E_MEMORY_LIMIT) vm->collect_before_next = true;
  }
  vm->terminated = 0;
  return t;
}

void dw__vm_end(dw__vm *vm, dw__ctx *c) {
  vm->active = false;
  vm->zero_limit = false;
  JSContextGroupClearExecutionTimeLimit(vm->group);
  dw__vm_recover(vm, c);
}

int dw__vm_terminated(const dw__vm *vm) { return vm->terminated; }

int dw__vm_check(dw__vm *vm, dw__ctx *c) {
  if (!vm->active) return vm->terminated;
  if (!over_budget(vm) && c && over_heap(vm, c, vm->budget.memory_bytes))
    vm->terminated = DW_E_MEMORY_LIMIT;
  return vm->terminated;
}

void dw__vm_heap_recheck(dw__vm *vm) { vm->last_memory_check = 0; }

int dw__vm_collect_check_heap(dw__vm *vm, dw__ctx *c, size_t cap, bool now) {
  if (!now && dw__now_ns() < vm->last_memory_check + MEMORY_CHECK_NS) return 0;
  return collected_over(vm, c, cap) ? DW_E_MEMORY_LIMIT : 0;
}

void dw__vm_collect(dw__ctx *c) { host_collect(c->vm, c); }

size_t dw__vm_last_heap(const dw__vm *vm) { return vm->last_heap_bytes; }

int dw__vm_check_heap(dw__vm *vm, dw__ctx *c, size_t cap) {
  return over_heap(vm, c, cap) ? DW_E_MEMORY_LIMIT : 0;
}

uint64_t dw__vm_credit(const dw__vm *vm) { return atomic_load(&vm->gc_credit_ns); }

uint64_t dw__vm_gc_count(const dw__vm *vm) { return atomic_load(&vm->gc_count); }

uint64_t dw__vm_cpu_used(const dw__vm *vm) { return used_ns(vm); }

static double stat_num(JSContextRef ctx, JSObjectRef o, const char *name) {
  JSStringRef k = JSStringCreateWithUTF8CString(name);
  JSValueRef v = JSObjectGetProperty(ctx, o, k, NULL);
  JSStringRelease(k);
  /* After a collection the engine computes heapSize partly from heap memory it never
   * initialised (valgrind's memcheck; reproduced by a probe of JSGetMemoryUsageStatistics
   * with no code of ours). The figure is the engine's, whatever it is: memcheck is told so
   * here, once, rather than at every comparison of ours downstream. No-op outside valgrind. */
  VALGRIND_MAKE_MEM_DEFINED(&v, sizeof v);
  return v && JSValueIsNumber(ctx, v) ? JSValueToNumber(ctx, v, NULL) : 0;
}

size_t dw__vm_heap_bytes(dw__ctx *c) {
  JSObjectRef st = JSGetMemoryUsageStatistics(c->ctx);
  if (!st) return 0;
  /* heapSize already includes the extra memory (array buffers): measured, adding
   * extraMemorySize counted typed arrays twice. */
  return (size_t)stat_num(c->ctx, st, "heapSize");
}

dw__ctx *dw__ctx_new(dw__vm *vm, bool allow_eval) {
  dw__ctx *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->vm = vm;
  c->ctx = JSGlobalContextCreateInGroup(vm->group, NULL);
  if (!c->ctx) {
    free(c);
    return NULL;
  }
  vm->nctx++;
  JSObjectRef g = JSContextGetGlobalObject(c->ctx);
  /* Overwrite rather than delete: deleting a global property turns the global object into a
   * dictionary, which costs ~0.07 ms per realm and slows global lookups after. The engine's
   * console (whose output goes nowhere) is replaced by the Web APIs' own. */
  dw_val undef = dw__undefined(c);
  dw__set(c, (dw_val)g, "console", undef, NULL);
  if (!vm->allow_wasm) dw__set(c, (dw_val)g, "WebAssembly", undef, NULL);
  if (!allow_eval) {
    JSStringRef msg = JSStringCreateWithUTF8CString(
        "Code generation from strings (eval, new Function) is disabled in this sandbox");
    JSGlobalContextSetEvalEnabled(c->ctx, false, msg);
    JSStringRelease(msg);
  }
  return c;
}

void dw__ctx_free(dw__ctx *c) {
  if (!c) return;
  c->vm->nctx--;
  /* The context holds a reference to the VM and one protection of its global object; an
   * unrooted one gave up the protection already, and its global may be collected. */
  if (c->unrooted) JSContextGroupRelease(c->vm->group);
  else JSGlobalContextRelease(c->ctx);
  free(c);
}

/* The global object's protection only (JSGlobalContextRelease would also drop the VM
 * reference, and report the realm to the collector as abandoned, which hastens the next
 * full collection: a worker called often is unrooted after every call; measured: p99 of a
 * parent's calls to one load() worker 204-340 us against 54-64). The protected cell is the
 * JSGlobalObject that the context reference points at, not JSContextGetGlobalObject's
 * result (its global proxy): the context reference is passed as the value. */
void dw__ctx_unroot(dw__ctx *c) {
  if (c->unrooted) return;
  c->unrooted = true;
  JSValueUnprotect(c->ctx, (JSValueRef)c->ctx);
}

void dw__ctx_reroot(dw__ctx *c) {
  if (!c->unrooted) return;
  c->unrooted = false;
  JSValueProtect(c->ctx, (JSValueRef)c->ctx);
}

bool dw__ctx_unrooted(const dw__ctx *c) { return c->unrooted; }

dw__vm *dw__ctx_vm(const dw__ctx *c) { return c->vm; }

