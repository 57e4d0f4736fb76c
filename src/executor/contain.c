/* Containment of an executor: one flat table of checked steps, run in order (no new
 * privileges first, seccomp last). Each row names the threat it answers. See contain.h and
 * docs/OPERATIONS.md ("Containment"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "contain.h"

typedef struct {
  int id;
  dw__contain_phase phase;
  bool required;
  const char *threat;
  /* Returns 0 when applied, DW__SKIPPED when deliberately not applied (reported like a
   * fallback), or an errno. May write a fallback note into `note`. */
  int (*fn)(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap);
} step;

#define DW__SKIPPED (-1)

/* ---- The steps --------------------------------------------------------------------- */

static int no_new_privs(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : EINVAL;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, text, strlen(text));
  int e = n == (ssize_t)strlen(text) ? 0 : (n < 0 ? errno : EIO);
  close(fd);
  return e;
}

static int user_ns(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER) != 0) return errno;
  /* Inside: uid/gid 0, mapped to our own ids outside (the only mapping an unprivileged
   * process may write); the namespace's capabilities reach nothing outside it. */
  char map[64];
  int e = write_file("/proc/self/setgroups", "deny");
  if (e == ENOENT) e = 0; /* kernels before 3.19 */
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
  if (!e) e = write_file("/proc/self/uid_map", map);
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
  if (!e) e = write_file("/proc/self/gid_map", map);
  if (e) snprintf(note, cap, "entered, but the id maps could not be written (%s)", strerror(e));
  return 0;
}

static int mount_ns(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  if (unshare(CLONE_NEWNS) != 0) return errno;
  /* Nothing mounted here from now on may propagate back to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return errno;
  return 0;
}

static int net_ns(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  if (o->network) {
    snprintf(note, cap, "skipped: egress (--outbound) is done from this process");
    return DW__SKIPPED;
  }
  return unshare(CLONE_NEWNET) == 0 ? 0 : errno;
}

static int ipc_ns(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  return unshare(CLONE_NEWIPC) == 0 ? 0 : errno;
}

/* Checked, not done: see pid_ns_errno in contain.h. */
static int pid_ns(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  if (getpid() == 1) return 0;
  return o->pid_ns_errno ? o->pid_ns_errno : ENOTSUP;
}

static int uts_ns(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  return unshare(CLONE_NEWUTS) == 0 ? 0 : errno;
}

static int pdeathsig(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return errno;
  /* The parent may have died before the signal was armed: then nobody would kill us. */
  pid_t pp = getppid(); /* 0 when the parent is outside our PID namespace */
  if (o->parent && pp && pp != o->parent) return ESRCH;
  struct pollfd p = {.fd = o->channel, .events = POLLOUT};
  if (o->channel >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) return ESRCH;
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0 || sig != SIGKILL) return EINVAL;
  return 0;
}

static int pin_proc(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  return dw__statm_pin() >= 0 ? 0 : (errno ? errno : EIO);
}

static bool dir_is_empty(const char *path) {
  DIR *d = opendir(path);
  if (!d) return false;
  struct dirent *e;
  bool empty = true;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = false;
  closedir(d);
  return empty;
}

/* pivot_root into a small read-only tmpfs mounted over /tmp of our private mount
 * namespace, the old root detached. */
static int pivot_to_tmpfs(const char **what) {
  *what = "mount tmpfs";
  if (mount("dw-root", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "size=16k,nr_inodes=4,mode=0555") != 0)
    return errno;
  *what = "mkdir";
  if (chdir("/tmp") != 0 || mkdir("old", 0) != 0) return errno;
  *what = "pivot_root";
  if (syscall(SYS_pivot_root, ".", "old") != 0) return errno;
  *what = "detach the old root";
  if (chdir("/") != 0 || umount2("/old", MNT_DETACH) != 0 || rmdir("/old") != 0) return errno;
  *what = "remount read-only";
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            NULL) != 0)
    return errno;
  return 0;
}

/* Without a mount namespace: chroot into a directory that was deleted after we entered
 * it (nothing can ever be created in it). */
static int chroot_to_deleted_dir(void) {
  char dir[] = "/tmp/dw-root-XXXXXX";
  if (!mkdtemp(dir)) return errno;
  int e = 0;
  if (chdir(dir) != 0) e = errno;
  if (rmdir(dir) != 0 && !e) e = errno;
  if (!e && chroot(".") != 0) e = errno;
  if (!e && chdir("/") != 0) e = errno;
  return e;
}

static int empty_root(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  if (o->network) {
    snprintf(note, cap, "skipped: egress needs the resolver's files and CA certificates "
                        "(opens are read-only)");
    return DW__SKIPPED;
  }
  /* Only in a private mount namespace: a tmpfs mounted in the host's would be the host's. */
  const char *what = "no mount namespace";
  int e = (r->applied & (1u << DW__CONTAIN_MOUNT_NS)) ? pivot_to_tmpfs(&what) : ENOTSUP;
  if (e) {
    int e2 = chroot_to_deleted_dir();
    if (e2) return e2;
    snprintf(note, cap, "pivot_root into a tmpfs failed (%s: %s); chrooted into a deleted "
                        "directory instead", what, strerror(e));
  }
  return dir_is_empty("/") && access("/etc/passwd", F_OK) != 0 ? 0 : EEXIST;
}

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

static int close_fds(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  int keep[10];
  size_t n = 0;
  for (size_t i = 0; i < o->nkeep && i < 8; i++) keep[n++] = o->keep_fds[i];
  if (dw__statm_pinned() >= 0) keep[n++] = dw__statm_pinned();
  qsort(keep, n, sizeof keep[0], cmp_int);
  unsigned lo = 0;
  for (size_t i = 0; i <= n; i++) {
    unsigned hi = i < n ? (unsigned)keep[i] : ~0u;
    if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) != 0) return errno;
    lo = i < n ? (unsigned)keep[i] + 1 : lo;
  }
  for (int fd = 0; fd < 1024; fd++) { /* check: nothing else is open */
    bool kept = false;
    for (size_t i = 0; i < n; i++) kept |= keep[i] == fd;
    if (!kept && fcntl(fd, F_GETFD) >= 0) return EEXIST;
  }
  return 0;
}

static int set_limit(int res, rlim_t v) {
  struct rlimit rl = {v, v};
  return setrlimit(res, &rl) == 0 ? 0 : errno;
}

static int rlimits(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  size_t vm = dw__vm_bytes();
  if (!vm) return EIO;
  size_t headroom = o->as_headroom ? o->as_headroom : (size_t)8 << 30;
  /* Writes to files fail with EFBIG instead of killing the process (stderr may be a file). */
  signal(SIGXFSZ, SIG_IGN);
  int e = set_limit(RLIMIT_CORE, 0);                        /* no core files of the guest's memory */
  if (!e) e = set_limit(RLIMIT_FSIZE, 0);                   /* no file grows */
  if (!e) e = set_limit(RLIMIT_NOFILE, o->network ? 256 : 64); /* no fd storms */
  if (!e) e = set_limit(RLIMIT_MEMLOCK, 0);
  if (!e) e = set_limit(RLIMIT_MSGQUEUE, 0);
  /* The engine reserved its Gigacage at start-up: a ceiling only above what exists now. */
  if (!e) e = set_limit(RLIMIT_AS, (rlim_t)(vm + headroom));
  return e;
}

/* The allow-list. Everything else fails with EPERM; what would only serve an escape or an
 * attack on the kernel kills the process outright (it is never a bug of ours to call it). */
static const int allowed[] = {
    /* memory */
    SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(brk),
    SCMP_SYS(mremap), SCMP_SYS(mincore), SCMP_SYS(msync), SCMP_SYS(membarrier),
    /* threads and their synchronisation */
    SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(get_robust_list), SCMP_SYS(rseq),
    SCMP_SYS(set_tid_address), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
    SCMP_SYS(sched_getparam), SCMP_SYS(sched_getscheduler), SCMP_SYS(sched_get_priority_max),
    SCMP_SYS(sched_get_priority_min), SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(getppid),
    SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
    SCMP_SYS(getpriority), SCMP_SYS(setpriority), SCMP_SYS(exit), SCMP_SYS(exit_group),
    /* time */
    SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(time),
    SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(getrusage), SCMP_SYS(times),
    /* I/O on descriptors it already holds */
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
    SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(lseek), SCMP_SYS(poll), SCMP_SYS(ppoll),
    SCMP_SYS(select), SCMP_SYS(pselect6), SCMP_SYS(eventfd2), SCMP_SYS(pipe2),
    SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
    SCMP_SYS(fcntl),
    /* signals (the engine's SIGSEGV/SIGBUS/SIGUSR1 handlers, thread suspension) */
    SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigtimedwait), SCMP_SYS(rt_sigsuspend), SCMP_SYS(rt_sigpending),
    SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
    /* misc */
    SCMP_SYS(getrandom), SCMP_SYS(uname), SCMP_SYS(sysinfo), SCMP_SYS(getcpu),
};

/* Extra for egress from this process (o->network): client sockets and read-only opens. */
static const int allowed_network[] = {
    SCMP_SYS(connect), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
    SCMP_SYS(getpeername), SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
    SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmmsg), SCMP_SYS(shutdown),
    SCMP_SYS(bind), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(readlink),
    SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(getdents64),
    SCMP_SYS(socketpair), SCMP_SYS(ioctl),
};

static const int killed[] = {
    SCMP_SYS(ptrace), SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(mount),
    SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot), SCMP_SYS(unshare),
    SCMP_SYS(setns), SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load), SCMP_SYS(init_module), SCMP_SYS(finit_module),
    SCMP_SYS(delete_module), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
    SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(userfaultfd),
    SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
    SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at), SCMP_SYS(fsopen),
    SCMP_SYS(fsmount), SCMP_SYS(move_mount), SCMP_SYS(open_tree), SCMP_SYS(fsconfig),
    SCMP_SYS(fspick), SCMP_SYS(mount_setattr), SCMP_SYS(reboot), SCMP_SYS(swapon),
    SCMP_SYS(swapoff), SCMP_SYS(personality), SCMP_SYS(process_madvise),
    SCMP_SYS(pidfd_getfd),
};

#define ADD(ctx, act, nr, ...)                                                                 \
  do {                                                                                         \
    if (!e) e = -seccomp_rule_add(ctx, act, nr, __VA_ARGS__);                                  \
  } while (0)

static int seccomp_step(const dw__contain_opts *o, const dw__contain_report *r, char *note, size_t cap) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return ENOMEM;
  int e = -seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); /* every thread, the engine's too */
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
    ADD(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
  for (size_t i = 0; o->network && i < sizeof allowed_network / sizeof allowed_network[0]; i++)
    ADD(ctx, SCMP_ACT_ALLOW, allowed_network[i], 0);
  for (size_t i = 0; i < sizeof killed / sizeof killed[0]; i++)
    ADD(ctx, SCMP_ACT_KILL_PROCESS, killed[i], 0);
  /* Threads only: a clone without CLONE_THREAD is a fork. clone3 passes its flags in
   * memory a filter cannot read, so it answers ENOSYS and the C library falls back to
   * clone. */
  ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  ADD(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  /* Signals to itself only (raise, abort, the engine's thread suspension). */
  scmp_datum_t self = (scmp_datum_t)getpid();
  ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, self));
  ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, self));
  /* Reading its own limits (pthread_getattr_np), never setting any. */
  ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, SCMP_A0(SCMP_CMP_EQ, 0),
      SCMP_A2(SCMP_CMP_EQ, 0));
  ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getrlimit), 0);
  /* prctl: thread names and questions only. */
  static const int prctl_ok[] = {PR_SET_NAME,          PR_GET_NAME,    PR_GET_SECCOMP,
                                 PR_GET_NO_NEW_PRIVS,  PR_GET_DUMPABLE, PR_GET_PDEATHSIG,
                                 PR_SET_VMA};
  for (size_t i = 0; i < sizeof prctl_ok / sizeof prctl_ok[0]; i++)
    ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctl_ok[i]));
  if (o->network) {
    static const int families[] = {AF_INET, AF_INET6, AF_UNIX, AF_NETLINK};
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
      ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
    /* Read-only opens (resolver files, CA certificates). */
    scmp_datum_t w = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
    ADD(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, w, 0));
  }
  if (!e) e = -seccomp_load(ctx);
  seccomp_release(ctx);
  if (e) return e;
  return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2 ? 0 : EINVAL;
}

/* ---- The table ----------------------------------------------------------------------- */

static const step steps[DW__CONTAIN_NSTEPS] = {
    {DW__CONTAIN_NO_NEW_PRIVS, DW__CONTAIN_EARLY, true,
     "setuid/file-capability binaries granting privileges; required by seccomp", no_new_privs},
    {DW__CONTAIN_USER_NS, DW__CONTAIN_EARLY, false,
     "root or capabilities of the host: inside, uid 0 owns nothing outside", user_ns},
    {DW__CONTAIN_MOUNT_NS, DW__CONTAIN_EARLY, false,
     "the host's mounts: the empty root and its mounts stay private", mount_ns},
    {DW__CONTAIN_NET_NS, DW__CONTAIN_EARLY, false,
     "the network: only a loopback that is down", net_ns},
    {DW__CONTAIN_IPC_NS, DW__CONTAIN_EARLY, false,
     "System V IPC and POSIX message queues of the host", ipc_ns},
    {DW__CONTAIN_PID_NS, DW__CONTAIN_EARLY, false,
     "seeing or signalling host processes from any child (which seccomp forbids anyway)", pid_ns},
    {DW__CONTAIN_UTS_NS, DW__CONTAIN_EARLY, false, "changing the host's name", uts_ns},
    {DW__CONTAIN_PDEATHSIG, DW__CONTAIN_EARLY, true,
     "an orphan executor running on after its supervisor died", pdeathsig},
    {DW__CONTAIN_PIN_PROC, DW__CONTAIN_LATE, true,
     "losing the memory monitor with /proc (the RSS is read from a kept fd)", pin_proc},
    {DW__CONTAIN_EMPTY_ROOT, DW__CONTAIN_LATE, false,
     "reading or writing the host's files", empty_root},
    {DW__CONTAIN_CLOSE_FDS, DW__CONTAIN_LATE, true,
     "inherited descriptors (files, sockets, terminals) other than the channel", close_fds},
    {DW__CONTAIN_RLIMITS, DW__CONTAIN_LATE, true,
     "core dumps of guest memory, file growth, fd storms, runaway address space", rlimits},
    {DW__CONTAIN_SECCOMP, DW__CONTAIN_LATE, true,
     "the kernel's attack surface: every syscall outside the allow-list", seccomp_step},
};

static const char *const names[] = {
#define X(id, name) name,
    DW__CONTAIN_STEPS(X)
#undef X
};

const char *dw__contain_step_name(int i) {
  return i >= 0 && i < DW__CONTAIN_NSTEPS ? names[i] : "?";
}
const char *dw__contain_step_threat(int i) {
  return i >= 0 && i < DW__CONTAIN_NSTEPS ? steps[i].threat : "?";
}
bool dw__contain_step_required(int i) {
  return i >= 0 && i < DW__CONTAIN_NSTEPS && steps[i].required;
}

void dw__contain_report_init(dw__contain_report *r) {
  memset(r, 0, sizeof *r);
  r->failed_step = -1;
}

static void report_line(const dw__contain_opts *o, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (o->report) o->report(o->user, line);
  else fprintf(stderr, "%s\n", line);
}

/* The middle process of dw__contain_fork: waits for the contained one and ends as it did. */
static _Noreturn void reap_and_mirror(pid_t pid) {
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none); /* mirroring a fatal signal must not dump this process */
  syscall(SYS_close_range, 0u, ~0u, 0); /* the channel's end too: EOF when the child ends */
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    signal(WTERMSIG(status), SIG_DFL);
    kill(getpid(), WTERMSIG(status));
    _exit(128 + WTERMSIG(status));
  }
  _exit(WEXITSTATUS(status));
}

pid_t dw__contain_fork(unsigned simulate_refused, int *pid_ns_errno) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  /* A process cannot enter a new PID namespace itself, and one that has unshared
   * CLONE_NEWPID can no longer create threads: so unshare, then fork once more (fork, not a
   * raw clone, so that the C library's idea of our thread id stays right). */
  *pid_ns_errno = (simulate_refused & (1u << DW__CONTAIN_PID_NS)) ? EPERM
                  : unshare(CLONE_NEWPID) == 0                   ? 0
                                                                 : errno;
  if (*pid_ns_errno) return 0; /* this process is the contained one */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent) _exit(4);
  pid_t inner = fork();
  if (inner < 0) _exit(4);
  if (inner == 0) return 0;
  reap_and_mirror(inner);
}

int dw__contain(const dw__contain_opts *o, dw__contain_report *r) {
  for (int i = 0; i < DW__CONTAIN_NSTEPS; i++) {
    const step *s = &steps[i];
    if (s->phase != o->phase) continue;
    char note[200] = "";
    int e = (o->simulate_refused & (1u << s->id)) ? EPERM : s->fn(o, r, note, sizeof note);
    if (e == 0) {
      r->applied |= 1u << s->id;
      if (note[0]) report_line(o, "dynworker: containment: %s: %s", names[i], note);
      continue;
    }
    if (s->required) {
      r->failed_step = s->id;
      r->failed_errno = e > 0 ? e : EINVAL;
      snprintf(r->message, sizeof r->message,
               "containment step %s failed (%s): refusing to run guest code", names[i],
               strerror(r->failed_errno));
      return DW_E_INTERNAL;
    }
    r->fell_back |= 1u << s->id;
    if (e == DW__SKIPPED)
      report_line(o, "dynworker: containment: %s: %s", names[i], note);
    else
      report_line(o, "dynworker: containment: %s not applied (%s)%s%s; continuing without it",
                  names[i], strerror(e), note[0] ? ": " : "", note);
  }
  return 0;
}
