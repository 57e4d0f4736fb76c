/* Containment of an executor process: a flat, ordered table of checked steps (as bubblewrap
 * and nsjail do it). No new privileges first, the seccomp allow-list last. A step the kernel
 * refuses either falls back (reported once, never silently) or, when it is required, makes
 * the whole containment fail: the executor must then refuse to start. */
#ifndef DW_CONTAIN_H
#define DW_CONTAIN_H

#include <sys/types.h>
#include "util/util.h"

/* The steps, in the order they run. The numbers are bit positions in the report's masks. */
#define DW__CONTAIN_STEPS(X)                                                                   \
  X(NO_NEW_PRIVS, "no_new_privs")                                                              \
  X(USER_NS, "user_namespace")                                                                 \
  X(MOUNT_NS, "mount_namespace")                                                               \
  X(NET_NS, "network_namespace")                                                               \
  X(IPC_NS, "ipc_namespace")                                                                   \
  X(PID_NS, "pid_namespace")                                                                   \
  X(UTS_NS, "uts_namespace")                                                                   \
  X(PDEATHSIG, "parent_death_signal")                                                          \
  X(PIN_PROC, "pin_proc_fds")                                                                  \
  X(EMPTY_ROOT, "empty_root")                                                                  \
  X(CLOSE_FDS, "close_fds")                                                                    \
  X(RLIMITS, "rlimits")                                                                        \
  X(SECCOMP, "seccomp")

enum {
#define X(id, name) DW__CONTAIN_##id,
  DW__CONTAIN_STEPS(X)
#undef X
  DW__CONTAIN_NSTEPS
};

/* Two phases: namespaces can only be entered while the process has one thread, and the
 * engine must be initialised (it reads /proc/self/maps, /sys and /dev/urandom, and starts
 * its threads) before the root is emptied. So: fork, DW__CONTAIN_EARLY, create the engine's
 * first VM, DW__CONTAIN_LATE, run guest code. */
typedef enum { DW__CONTAIN_EARLY = 1, DW__CONTAIN_LATE = 2 } dw__contain_phase;

typedef struct {
  dw__contain_phase phase;
  /* File descriptors that stay open (the channel; stderr if wanted). The pinned
   * /proc/self/statm is kept too. At most 8. */
  const int *keep_fds;
  size_t nkeep;
  /* Egress is done in this process (`dynworker run --outbound`): keep the host's network
   * namespace and file system (DNS resolver files, CA certificates) and allow client
   * sockets, read-only opens and their syscalls. Weaker: see docs/OPERATIONS.md. */
  bool network;
  /* The parent this process must still have (0: not checked), and the write end of the
   * channel to it (-1: none): the parent is gone when its read end is closed. */
  pid_t parent;
  int channel;
  /* PID namespace: a process cannot create threads after unshare(CLONE_NEWPID), so
   * dw__contain_fork makes the executor pid 1 of a new namespace; this is the errno of
   * that attempt when it failed (0: it worked). */
  int pid_ns_errno;
  /* RLIMIT_AS = the current virtual size + this (0: 8 GiB). */
  size_t as_headroom;
  /* Tests only: steps (bit masks of 1u << DW__CONTAIN_x) treated as refused by the kernel
   * (EPERM), to prove that a fallback is reported and a required failure refuses. */
  unsigned simulate_refused;
  /* Where each fallback is reported, once (NULL: stderr). */
  void (*report)(void *user, const char *line);
  void *user;
} dw__contain_opts;

typedef struct {
  unsigned applied;   /* steps that took effect */
  unsigned fell_back; /* steps the kernel refused, with a reported fallback */
  int failed_step;    /* the required step that failed, or -1 */
  int failed_errno;
  char message[256];  /* what failed, for a person */
} dw__contain_report;

/* Runs the steps of o->phase in order, accumulating into *r (zero it with
 * dw__contain_report_init before the first phase). Returns 0, or DW_E_INTERNAL when a
 * required step failed (r->message says which and why; the caller must not run guest
 * code). Call EARLY while the process has one thread. Not reversible. */
int dw__contain(const dw__contain_opts *o, dw__contain_report *r);
void dw__contain_report_init(dw__contain_report *r);

/* Starts a process like fork(). Where the kernel allows, the new process is pid 1 of a new
 * PID namespace: the forked child unshares CLONE_NEWPID and forks again, then stays behind
 * as a small reaper that ends as the contained process did (same status or signal) and
 * dies with the caller (parent-death signal). Otherwise the forked child itself is
 * returned to, and *pid_ns_errno (pass it on as opts.pid_ns_errno) says why. The caller
 * must have one thread. simulate_refused as in the options. Returns as fork() does. */
pid_t dw__contain_fork(unsigned simulate_refused, int *pid_ns_errno);

/* The name, the threat answered and whether it is required, of step i. */
const char *dw__contain_step_name(int i);
const char *dw__contain_step_threat(int i);
bool dw__contain_step_required(int i);

#endif
