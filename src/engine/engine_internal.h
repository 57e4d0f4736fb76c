/* Layouts shared by the engine's own files; never included outside src/engine/. */
#ifndef DW_ENGINE_INTERNAL_H
#define DW_ENGINE_INTERNAL_H

#include <stdatomic.h>
#include <time.h>
#include "jsc_private.h"
#include "engine.h"

typedef struct dw__clone_realm dw__clone_realm;
/* Frees the VM's private clone realm (clone.c), if any. */
void dw__clone_realm_free(dw__vm *vm);

/* The embedded sources (dw__eval_static) this VM evaluated, by address: the second
 * evaluation of one makes it a JSScriptRef, which later realms evaluate without the engine
 * hashing the whole text again to find its compiled code (~0.3M instructions per realm for
 * runtime.js and the installer; a VM of its own, evaluating each once, never pays for the
 * extra parse that making a script costs). */
#define DW__VM_SCRIPTS 48
typedef struct {
  const unsigned short *src;
  JSScriptRef script;
} dw__vm_script;

/* dw__string_static's strings, by address and length (protected while the VM lives): an
 * open-addressing table made at first use, kept at most half full, of at most this many. */
#define DW__VM_STRINGS_MAX 4096
typedef struct {
  const char *s;
  size_t n;
  JSValueRef v;
} dw__vm_string;

struct dw__vm {
  dw__vm_script scripts[DW__VM_SCRIPTS];
  int nscripts;
  dw__vm_string *strings;
  size_t nstrings, strings_cap;
  dw__clone_realm *clone_realm; /* clone.c's helper realm, made on first use */
  JSContextGroupRef group;
  bool allow_wasm;
  bool active;
  bool collect_before_next;
  size_t excused_bytes; /* heap left over from a run ended for memory (see dw__vm_begin) */
  bool finalizer_armed; /* the heap finalizer armed the zero limit this run */
  bool zero_limit;      /* ... and watchdog_cb has not restored the normal one yet */
  bool host_gc;         /* a collection we asked for is running (host_collect) */
  int terminated;
  int nctx;
  clockid_t js_clock;              /* CPU clock of the thread running the VM's entries */
  _Atomic uint64_t cpu_mark;       /* its CPU at the last budget start, tick or collection */
  _Atomic uint64_t gc_credit_ns;   /* collection time not held against the budget */
  size_t last_heap_bytes;          /* the heap's size when last read (between entries) */
  size_t rss_base;                 /* process RSS at the budget's first watchdog tick */
  uint64_t cpu_start_ns;
  uint64_t last_memory_check;
  _Atomic uint64_t gc_count;       /* collections finished (heap_finalizer) */
  dw__budget budget;
};

struct dw__ctx {
  dw__vm *vm;
  JSGlobalContextRef ctx;
  bool unrooted; /* dw__ctx_unroot: the global object is not protected */
};

/* A new ArrayBuffer (engine memory) holding a copy of p[0..n); NULL with *exc set. */
JSObjectRef dw__engine_array_buffer(JSContextRef ctx, const void *p, size_t n, JSValueRef *exc);

#define V(x) ((JSValueRef)(x))
#define O(x) ((JSObjectRef)(x))
#define W(x) ((dw_val)(x))

#endif
