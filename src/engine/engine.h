/* engine: the only layer that sees JavaScriptCore. Everything above it handles JS values
 * through the opaque types below.
 *
 * Ownership: values (dw_val) are owned by the engine's garbage collector. A value held only
 * in C across a call back into JS must be protected (dw__protect/dw__unprotect). Strings
 * returned as `char *` are owned by the caller (free()).
 *
 * Threads: a dw__vm and its realms are used by one thread at a time. */
#ifndef DW_ENGINE_H
#define DW_ENGINE_H

#include "util/util.h"

typedef struct dw__vm dw__vm;
typedef struct dw__ctx dw__ctx;
typedef const struct dw__opaque_val *dw_val;

/* ---- VMs and budgets ---------------------------------------------------------------- */

/* One-time, per-process engine set-up (options must precede the first VM). Idempotent and
 * thread-safe. */
void dw__engine_init(void);

/* Creates a VM. Returns NULL when out of memory. */
dw__vm *dw__vm_new(bool allow_wasm);
/* Frees a VM; all its realms must have been freed. */
void dw__vm_free(dw__vm *vm);
bool dw__vm_allows_wasm(const dw__vm *vm);

typedef struct {
  uint64_t cpu_ns;           /* CPU budget of this invocation (thread CPU time) */
  uint64_t wall_deadline_ns; /* dw__now_ns() deadline */
  size_t memory_bytes;       /* memory cap: inside an entry, how much the process may grow
                                while this budget is in force (its RSS, read by the
                                watchdog); between entries dw__vm_check compares the VM's
                                heap with it. 0: not checked */
} dw__budget;

/* Starts enforcing `b` on everything the VM runs until dw__vm_end. The watchdog checks it
 * every ~10 ms of CPU in a VM entry, and a heap finalizer checks it during garbage
 * collections (which is what stops endless microtask chains). `c` is the realm about to
 * run (used to collect garbage left by a run that ended over its memory cap). */
void dw__vm_begin(dw__vm *vm, const dw__budget *b, dw__ctx *c);
/* Stops enforcing; clears a pending termination so the VM is usable for the next realm.
 * `c` is any live realm of the VM (used to absorb the engine's pending termination). */
void dw__vm_end(dw__vm *vm, dw__ctx *c);
/* Between two VM entries of an active VM (after dw__vm_begin): puts another budget in
 * force (another realm's), restarting the CPU count. `c` is any live realm (used only to
 * collect the garbage of a realm that was ended for memory). Cheap: no engine call unless a
 * memory kill happened. */
void dw__vm_switch(dw__vm *vm, const dw__budget *b, dw__ctx *c);
/* After an entry that the budget ended: absorbs the engine's pending termination in `c` (any
 * live realm of the VM) so the next entry runs; returns the reason (0 when none) and clears
 * it. The VM stays active. */
int dw__vm_recover(dw__vm *vm, dw__ctx *c);
/* 0, or DW_E_CPU_LIMIT / DW_E_WALL_LIMIT / DW_E_MEMORY_LIMIT once the budget ended the run. */
int dw__vm_terminated(const dw__vm *vm);
/* Checks the budget from C (between VM entries); sets and returns the termination reason. */
int dw__vm_check(dw__vm *vm, dw__ctx *c);
/* Between entries only: 0, or DW_E_MEMORY_LIMIT when the VM's heap (live objects and
 * array buffers, less what a memory kill left over) exceeds `cap` bytes. Walks the heap at
 * most every 20 ms (cheap otherwise). */
int dw__vm_check_heap(dw__vm *vm, dw__ctx *c, size_t cap);
/* Lets the next dw__vm_check_heap walk the heap at once (after memory was freed). */
void dw__vm_heap_recheck(dw__vm *vm);
/* Between entries, or in a native function called by JS (not from the watchdog): a full
 * collection, then 0, or DW_E_MEMORY_LIMIT when what survived (less what a memory kill left
 * over) exceeds `cap`. The heap statistics alone count array buffers and other extra memory
 * only as of the last collection, and a young VM may not have collected at all (measured:
 * 64 MB of typed arrays read as 0.2 MB). Unless `now`, at most every 20 ms, backing off so
 * that collecting stays ~5% of the time; 0 when skipped. */
int dw__vm_collect_check_heap(dw__vm *vm, dw__ctx *c, size_t cap, bool now);
/* A full collection of c's VM, now (between entries). Finalizers run. */
void dw__vm_collect(dw__ctx *c);
/* The heap's size in bytes when dw__vm_check_heap last read it (0: never). Cheap. */
size_t dw__vm_last_heap(const dw__vm *vm);
/* CPU granted to the budget in force for garbage collections it paid for (at most 3 x an
 * estimate of one collection's cost): not the realm's own work, so not counted against it. */
uint64_t dw__vm_credit(const dw__vm *vm);
/* CPU nanoseconds used since dw__vm_begin. */
uint64_t dw__vm_cpu_used(const dw__vm *vm);
/* Heap bytes in use by the VM (live objects as of the last collection plus what was
 * allocated since, array buffers included). Walks the heap: not cheap. */
size_t dw__vm_heap_bytes(dw__ctx *c);

/* ---- Realms ------------------------------------------------------------------------ */

/* A fresh realm (global object) in `vm`: the ECMAScript built-ins only (the engine's
 * default console is removed; WebAssembly is removed unless the VM allows it; eval and
 * new Function throw EvalError unless `allow_eval`). Returns NULL when out of memory. */
dw__ctx *dw__ctx_new(dw__vm *vm, bool allow_eval);
/* Frees c; its realm lives on until the collector finds it unreachable. */
void dw__ctx_free(dw__ctx *c);
dw__vm *dw__ctx_vm(const dw__ctx *c);
/* Unroot: the realm's global object stops being a root of the collector, so the realm lives
 * only as long as something reachable refers to it (an object of another realm of the same
 * VM). After that the caller must not touch the realm unless it knows that something alive
 * still refers to it; dw__ctx_reroot makes it a root again (only while it is known alive).
 * dw__ctx_free of an unrooted realm frees only the C side. */
void dw__ctx_unroot(dw__ctx *c);
void dw__ctx_reroot(dw__ctx *c);
bool dw__ctx_unrooted(const dw__ctx *c);

/* ---- Values -------------------------------------------------------------------------- */

dw_val dw__undefined(dw__ctx *c);
dw_val dw__null(dw__ctx *c);
dw_val dw__bool(dw__ctx *c, bool b);
dw_val dw__number(dw__ctx *c, double d);
/* A JS string from UTF-8 bytes (invalid sequences become U+FFFD). */
dw_val dw__string(dw__ctx *c, const char *s, size_t n);
/* The same for bytes in static storage (their address and length are the key): made once
 * per VM and kept with it, so that each realm that needs the string does not convert and
 * allocate it again (strings are values, shared by the VM's realms as the engine shares
 * its own). */
dw_val dw__string_static(dw__ctx *c, const char *s, size_t n);
dw_val dw__global(dw__ctx *c);
dw_val dw__object(dw__ctx *c);
/* A new object with no prototype, for what the host hands its own JS (tables of natives,
 * descriptors): dw__set on it defines own properties and never reaches a setter that guest
 * code put on Object.prototype. */
dw_val dw__record(dw__ctx *c);
/* A new Array of realm c holding items[0..n). NULL with *exc set on failure. */
dw_val dw__array(dw__ctx *c, size_t n, const dw_val *items, dw_val *exc);
/* A new ArrayBuffer holding a copy of the bytes. */
dw_val dw__array_buffer(dw__ctx *c, const void *p, size_t n, dw_val *exc);

bool dw__is_undefined(dw__ctx *c, dw_val v);
bool dw__is_null(dw__ctx *c, dw_val v);
bool dw__is_string(dw__ctx *c, dw_val v);
bool dw__is_number(dw__ctx *c, dw_val v);
bool dw__is_object(dw__ctx *c, dw_val v);
bool dw__is_function(dw__ctx *c, dw_val v);
double dw__to_number(dw__ctx *c, dw_val v);
bool dw__to_bool(dw__ctx *c, dw_val v);
/* String conversion (ToString) to UTF-8, lone surrogates as U+FFFD; NULL on exception
 * (then *exc is set) or out of memory. Caller frees. */
char *dw__to_utf8(dw__ctx *c, dw_val v, size_t *len, dw_val *exc);
/* Bytes of an ArrayBuffer or ArrayBufferView (borrowed, valid until JS runs again), or
 * NULL when `v` is neither. */
void *dw__bytes(dw__ctx *c, dw_val v, size_t *len);

dw_val dw__get(dw__ctx *c, dw_val obj, const char *key, dw_val *exc);
dw_val dw__get_index(dw__ctx *c, dw_val obj, unsigned i, dw_val *exc);
void dw__set(dw__ctx *c, dw_val obj, const char *key, dw_val v, dw_val *exc);
/* obj[i] = v; false on an exception (dropped). */
bool dw__set_index(dw__ctx *c, dw_val obj, unsigned i, dw_val v);
/* Defines a non-enumerable, writable, configurable property. */
void dw__define_hidden(dw__ctx *c, dw_val obj, const char *key, dw_val v, dw_val *exc);
void dw__delete(dw__ctx *c, dw_val obj, const char *key);

/* JSON.parse; NULL on a syntax error (no exception object). */
dw_val dw__json_parse(dw__ctx *c, const char *s, size_t n);
/* JSON.stringify; NULL with *exc set on an exception, NULL without one when the value is
 * not serialisable (undefined, a function). Caller frees. */
char *dw__json_stringify(dw__ctx *c, dw_val v, size_t *len, dw_val *exc);

void dw__protect(dw__ctx *c, dw_val v);
void dw__unprotect(dw__ctx *c, dw_val v);

/* ---- Running code ---------------------------------------------------------------------- */

/* Evaluates a classic script. `url` names it in stack traces; `line` is its first line.
 * Returns the completion value, or NULL with *exc set (NULL exc when terminated). */
dw_val dw__eval(dw__ctx *c, const char *src, size_t n, const char *url, int line, dw_val *exc);
/* Evaluates a classic script given as UTF-16 that lives, unchanged, as long as the process
 * (the embedded sources, cmake/embed.cmake's NAME_u16): the engine references the text in
 * place. Measured against dw__eval of the same 45 KB script in a realm of a warm VM: 0.25 ->
 * 0.05 ms, and ~90 KB less memory per realm (each realm's code otherwise kept its own
 * UTF-16 copy). Otherwise as dw__eval. */
dw_val dw__eval_static(dw__ctx *c, const unsigned short *src, size_t n, const char *url, int line,
                       dw_val *exc);
/* Calls `fn` with `this` (NULL: undefined). NULL with *exc set on an exception (exc may be
 * NULL: the exception is dropped, e.g. a termination the loop reports itself). */
dw_val dw__call(dw__ctx *c, dw_val fn, dw_val self, size_t argc, const dw_val *argv,
                dw_val *exc);

/* A weak reference to an object of realm c: dw__weak_alive turns false at the end of the
 * collection that finds the object unreachable (a finalizer runs only when the engine
 * sweeps its memory, which can be many collections later). dw__weak_free must be called
 * while c's VM exists. NULL when out of memory. */
typedef struct dw__weak dw__weak;
dw__weak *dw__weak_new(dw__ctx *c, dw_val obj);
bool dw__weak_alive(const dw__weak *w);
/* The object, or NULL once collected (borrowed: keep it on the stack while using it). */
dw_val dw__weak_get(const dw__weak *w);
void dw__weak_free(dw__weak *w);
/* A key: an object of realm c with no prototype and no properties, which guest code can
 * hold but not look into. dw__key_hold makes it hold v for the collector (a private
 * property: v lives as long as the key, and no JS can read, change or remove it; v may be an
 * object of another realm of the same VM). NULL / false when out of memory or not a key. */
dw_val dw__key_new(dw__ctx *c);
bool dw__key_hold(dw__ctx *c, dw_val key, dw_val v);
/* How many collections the VM finished so far (for polling weak references). */
uint64_t dw__vm_gc_count(const dw__vm *vm);

/* A native function callable from JS. `data` is borrowed and must outlive the realm.
 * Returning NULL means undefined, unless *exc was set. */
typedef dw_val (*dw__native_fn)(dw__ctx *c, void *data, size_t argc, const dw_val *argv,
                                dw_val *exc);
dw_val dw__native(dw__ctx *c, const char *name, dw__native_fn fn, void *data);

/* A new pending promise of realm c and its resolve/reject functions (call them with
 * dw__call). NULL with *exc set on failure. */
dw_val dw__deferred(dw__ctx *c, dw_val *resolve, dw_val *reject, dw_val *exc);
/* An object that carries C data for JS code that holds it (no properties; keep it out of
 * guest reach, e.g. in a closure). `finalize(data)` runs when the garbage collector frees the
 * object (it must not call into JS), unless dw__handle_take took the data first. Returns
 * NULL when out of memory (nothing is finalized then). */
dw_val dw__handle_new(dw__ctx *c, void *data, void (*finalize)(void *data));
/* The data of a handle (borrowed), or NULL if `v` is not a handle or its data was taken. */
void *dw__handle_data(dw__ctx *c, dw_val v);
/* Detaches and returns a handle's data (the caller now owns it; the finalizer will not see
 * it), or NULL as dw__handle_data. */
void *dw__handle_take(dw__ctx *c, dw_val v);

/* Makes an Error (`kind`: "Error", "TypeError", "RangeError", ...) with `msg`. */
dw_val dw__make_error(dw__ctx *c, const char *kind, const char *msg);

/* The parts of a thrown value. All strings owned by the struct. */
typedef struct {
  char *name;    /* "TypeError", or "" for a non-Error value */
  char *message; /* message, or the value converted to a string */
  char *stack;   /* "    at f (main.js:3:5)\n..." with the first frame, or "" */
  char *code;    /* a `code` string property when present (e.g. module_not_found), or NULL */
} dw__exc_info;
/* Fills `out` from a thrown value (never fails: falls back to placeholders). */
void dw__exc_describe(dw__ctx *c, dw_val exc, dw__exc_info *out);
void dw__exc_info_free(dw__exc_info *e);

#endif
