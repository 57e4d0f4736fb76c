/* supervisor internals shared by its files (supervisor.c: processes, frames, routing,
 * deadlines; calls.c: CALL frames, bindings and egress; workercode.c: the WorkerCode check).
 * Nothing here is visible outside src/supervisor/. */
#ifndef DW_SUP_INTERNAL_H
#define DW_SUP_INTERNAL_H

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <sys/types.h>
#include "supervisor/supervisor.h"
#include "net/net.h"
#include "executor/ipc.h"

/* The default limits, in one place (docs/internals/supervisor.md, "Limits"). A registered
 * worker gets the CPU of a one-shot run (1 s: with thousands of warm workers in one
 * executor's VM, a collection paid during a worker's first load can take longer than the
 * loader's 50 ms default for a dynamic worker, and a worker the client registered is not a
 * throwaway child) and the loader's wall-clock default. A one-shot run (/v1/run) gets the
 * defaults of `dynworker run`. */
#define DW__SUP_WORKER_CPU_MS 1000u
#define DW__SUP_WORKER_WALL_MS 30000u
#define DW__SUP_RUN_CPU_MS 1000u
#define DW__SUP_RUN_WALL_MS 10000u
#define DW__SUP_SUBREQUESTS 10000u

#define DW__SUP_HELLO_MS 10000u         /* default: an executor must say HELLO within this */
#define DW__SUP_BACKOFF_MIN_MS 100u     /* respawn delay, doubling up to: */
#define DW__SUP_BACKOFF_MAX_MS 5000u
#define DW__SUP_TICK_MS 100u            /* RSS and waitpid check */
#define DW__SUP_NET_TICK_MS 1u          /* dw__net polling while requests are in flight */
#define DW__SUP_MAX_CALLS 1024u         /* CALLs in flight per executor */
#define DW__SUP_MAX_DEPTH 8u            /* nested $worker calls */
#define DW__SUP_MAX_OUTPUT ((size_t)256 << 20) /* bytes queued to one executor */

typedef struct sup_inv sup_inv;
typedef struct sup_exec sup_exec;
typedef struct sup_group sup_group;
typedef struct dw__sup_call sup_call; /* (public name: answered by the host for $host) */

enum { EX_DOWN = 0, EX_STARTING, EX_READY };

struct sup_exec {
  dw__sup *s;
  sup_group *g;
  unsigned slot;
  int state;
  pid_t pid;
  struct bufferevent *bev;
  struct event *hello_timer;
  struct event *respawn_timer;
  uint32_t backoff_ms;
  uint64_t gen;          /* bumped at each death: stale callbacks compare it */
  sup_inv *inflight;     /* invocations it holds (list through next_ex) */
  unsigned n_inflight;
  sup_call *calls;       /* CALLs it made that are not answered yet */
  unsigned n_calls;
  uint64_t rss_bytes;
  uint64_t warm;         /* warm workers, as it last reported (optional "warm" in RESULT) */
  bool ever_started;     /* the next spawn is a restart */
  bool stopping;         /* STOP sent (drain or retirement): no respawn */
};

struct sup_group {
  dw__sup *s;
  char *tenant;
  sup_exec *ex;          /* n executors */
  unsigned n;
  sup_inv *queue_head, *queue_tail;
  unsigned queued;
  uint64_t last_used_ns;
  json_t *keys;          /* warm key -> worker id, for FORGET (bounded) */
  sup_group *next_dead;  /* retired, freed at the next safe point */
};

/* One invocation from dw__sup_invoke to its answer. */
struct sup_inv {
  dw__sup *s;
  uint64_t id;
  sup_group *g;
  sup_exec *ex;          /* NULL while queued */
  sup_inv *next_ex, *next_q, *next_all, *prev_all;
  dw__sup_kind kind;
  char *tenant;
  char *worker_id;       /* NULL: one-shot */
  uint64_t rev;
  char *key;             /* the warm key sent to executors; NULL for one-shot */
  json_t *code;          /* the full WorkerCode (globalOutbound included; never sent) */
  json_t *msg;           /* the INVOKE message without "code" */
  void *body;
  size_t body_len;
  uint32_t wall_ms, depth;
  void *host_user;       /* config.host_call's inv_user for its $host calls */
  bool code_sent;
  bool abandoned;
  bool answered;
  int late_err;          /* answered from the loop with this, without running */
  uint32_t late_retry;
  char late_why[160];
  uint64_t t0_ns;
  struct event *timer;   /* queue wait, then the hard deadline */
  dw__sup_done done;
  void *user;
};

struct dw__sup {
  dw__sup_config cfg;
  struct event_base *base;
  sup_group **groups;
  unsigned n_groups;
  sup_group *dead_groups;
  sup_inv *all;          /* every invocation not yet freed */
  uint64_t next_id;
  struct event *tick;
  struct event *gc;      /* a safe point: frees retired groups, late answers */
  struct event *net_timer;
  dw__net *net;
  bool net_polling;
  bool draining;
  struct event *drain_timer;
  void (*drained)(void *user);
  void *drained_user;
  bool hello_refusals_logged;
  struct { char *id; char *tenant; uint64_t until_ns; } *quarantine;
  size_t n_quarantine, cap_quarantine;
  pid_t *reap;           /* killed, not yet reaped */
  size_t n_reap, cap_reap;
  dw__sup_stats st;
  json_t *empty;         /* [] (never modified) */
};

static inline struct timeval dw__sup_tv(uint64_t ms) {
  struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
  return tv;
}

/* supervisor.c */
/* Answers an invocation (its one done callback, unless abandoned; the event) and frees it.
 * `result` is stolen; NULL: the error result is synthesised from err and message. */
void dw__sup_answer(sup_inv *inv, int err, json_t *result, const char *message,
                    uint32_t retry_after_s, int status, const json_t *headers, const void *body,
                    size_t body_len, bool has_response);
void dw__sup_answer_err(sup_inv *inv, int err, const char *message, uint32_t retry_after_s);
/* Sends what the group's queue holds to executors with room. */
void dw__sup_pump(sup_group *g);
/* Refuses the worker id (of the tenant) for quarantine_ms; NULL id: nothing. */
void dw__sup_quarantine_add(dw__sup *s, const char *tenant, const char *id);
/* Forgets quarantines that are over. */
void dw__sup_quarantine_expire(dw__sup *s);
/* Runs the safe-point work (retired groups, drain completion) from the loop, soon. */
void dw__sup_gc_kick(dw__sup *s);
/* Makes sure dw__net is polled while requests are in flight. */
void dw__sup_net_kick(dw__sup *s);

/* exec.c */
/* Sets up slot `slot` of group `g` (its timers); the process is started by spawn. */
void dw__sup_exec_init(sup_exec *e, sup_group *g, unsigned slot);
/* Starts the executor process of a slot (schedules a retry on failure). */
void dw__sup_exec_spawn(sup_exec *e);
/* The process is gone or must go: SIGKILL, answer what it held (`guilty` with guilty_err,
 * the others executor_lost), drop its calls, schedule the respawn unless stopping.
 * `killed`: counted in executor_kills. `why`: logged (NULL: quiet). */
void dw__sup_exec_down(sup_exec *e, const char *why, sup_inv *guilty, int guilty_err,
                       bool killed);
/* dw__sup_exec_down for a kill by the supervisor. */
void dw__sup_kill(sup_exec *e, const char *why, sup_inv *guilty, int guilty_err);
/* Sends a frame to an executor (queued on its bufferevent). 0 or a dw_err. */
int dw__sup_send(sup_exec *e, uint8_t type, const json_t *msg, const void *bin, size_t bin_len);
/* The INVOKE of `inv` to its executor; with_code: with the WorkerCode (globalOutbound
 * stripped). 0 or a dw_err. */
int dw__sup_send_invoke(sup_inv *inv, bool with_code);
/* The invocation with this id held by `e`, or NULL. */
sup_inv *dw__sup_find_inv(sup_exec *e, uint64_t id);
/* [[string, string]...] within the caps. */
bool dw__sup_headers_ok(const json_t *h);
/* The 100 ms tick (a libevent callback; arg: the dw__sup). */
void dw__sup_tick_cb(evutil_socket_t fd, short what, void *arg);

/* calls.c */
/* Handles a CALL frame (already parsed; `msg` borrowed). 0, or DW_E_BAD_REQUEST when the
 * frame is malformed (the caller kills the executor). */
int dw__sup_on_call(sup_exec *e, json_t *msg, const void *bin, size_t bin_len);
/* The executor died: its calls are cancelled and freed, no REPLY is sent. */
void dw__sup_calls_drop(sup_exec *e);
/* An env value as an executor sees it: a $http descriptor without its headers (they may be
 * credentials); anything else unchanged. New reference (NULL when out of memory). */
json_t *dw__sup_redact(const json_t *v);
/* The synthesised result object for a supervisor-side error. New reference. */
json_t *dw__sup_error_result(int err, const char *message, double wall_ms);

#endif
