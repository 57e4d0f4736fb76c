/* try-syscall: contains itself exactly as an executor does (src/executor/contain.h), then
 * tries one thing and says what happened. test_try_syscall.py proves with it that the
 * containment denies what it must, and still allows what the engine needs.
 *
 *   try-syscall [--refuse STEP[,STEP...]] PROBE
 *
 * Prints "PROBE: denied (ERRNO)" or "PROBE: allowed" and exits 0 / 1; a probe the filter
 * answers by killing the process dies of SIGSYS. Exit 2: containment refused to start (its
 * message on stderr). Fallbacks are reported on stderr, one line each. Probe "report" prints
 * each step as applied / fallback / not run. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "executor/contain.h"

static int pre_fd = -1;   /* a file opened before containment: its path is probed */
static char pre_path[] = "/tmp/dw-try-syscall-XXXXXX";
static int pre_sock = -1; /* a socket made before containment */

static int outcome(const char *probe, long rc) {
  if (rc < 0) {
    printf("%s: denied (%s)\n", probe, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    return 0;
  }
  printf("%s: allowed\n", probe);
  return 1;
}

static void *thread_fn(void *arg) { return arg; }

static int run_js(void) {
  dw_sandbox *sb = NULL;
  dw_sandbox_options so = {0};
  if (dw_sandbox_new(NULL, &so, &sb)) return -1;
  dw_code *code = dw_code_new();
  const char *src = "export default () => [1, 2, 3].map((x) => x * 2).join()";
  dw_code_add_module(code, "w.js", src, strlen(src), DW_MODULE_AUTO);
  dw_result *r = NULL;
  dw_invocation inv = {0};
  int rc = dw_sandbox_run(sb, code, &inv, &r);
  bool ok = !rc && r && dw_result_value_json(r) && !strcmp(dw_result_value_json(r), "\"2,4,6\"");
  dw_result_free(r);
  dw_code_free(code);
  dw_sandbox_free(sb);
  return ok ? 0 : (errno = EINVAL, -1);
}

static int probe(const char *p) {
  if (!strcmp(p, "open_etc_passwd")) return outcome(p, open("/etc/passwd", O_RDONLY));
  if (!strcmp(p, "open_preexisting")) return outcome(p, open(pre_path, O_RDONLY));
  if (!strcmp(p, "create_file"))
    return outcome(p, open("/tmp/dw-try-new", O_WRONLY | O_CREAT, 0600));
  if (!strcmp(p, "socket_inet")) return outcome(p, socket(AF_INET, SOCK_STREAM, 0));
  if (!strcmp(p, "socket_unix")) return outcome(p, socket(AF_UNIX, SOCK_STREAM, 0));
  if (!strcmp(p, "connect_loopback")) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    long rc = connect(pre_sock, (struct sockaddr *)&a, sizeof a);
    /* Refused or unreachable also means no connection, but only EPERM proves the filter. */
    if (rc < 0 && errno != EPERM) printf("(connect failed with %s, not EPERM)\n", strerrorname_np(errno));
    return outcome(p, rc < 0 && errno == EPERM ? -1 : 0);
  }
  if (!strcmp(p, "execve")) {
    char *argv[] = {"/bin/sh", "-c", "true", NULL};
    return outcome(p, execve("/bin/sh", argv, NULL));
  }
  if (!strcmp(p, "ptrace")) return outcome(p, ptrace(PTRACE_TRACEME, 0, NULL, NULL));
  if (!strcmp(p, "fork")) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    return outcome(p, pid);
  }
  if (!strcmp(p, "mount")) return outcome(p, mount("none", "/", "tmpfs", 0, NULL));
  if (!strcmp(p, "unshare")) return outcome(p, unshare(CLONE_NEWUSER));
  if (!strcmp(p, "setrlimit")) {
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    return outcome(p, setrlimit(RLIMIT_NOFILE, &rl));
  }
  /* Controls: what the engine needs must still work (a filter that kills everything would
   * pass every test above). */
  if (!strcmp(p, "thread")) {
    pthread_t t;
    errno = pthread_create(&t, NULL, thread_fn, NULL);
    if (!errno) pthread_join(t, NULL);
    return outcome(p, errno ? -1 : 0);
  }
  if (!strcmp(p, "js")) return outcome(p, run_js());
  if (!strcmp(p, "read_statm")) return outcome(p, dw__rss_bytes() > 0 ? 0 : -1);
  fprintf(stderr, "try-syscall: unknown probe %s\n", p);
  return 2;
}

static unsigned parse_refuse(char *list) {
  unsigned m = 0;
  for (char *s = strtok(list, ","); s; s = strtok(NULL, ","))
    for (int i = 0; i < DW__CONTAIN_NSTEPS; i++)
      if (!strcmp(s, dw__contain_step_name(i))) m |= 1u << i;
  return m;
}

static int child(const char *p, unsigned refuse, pid_t parent, int pid_ns_errno, int chan) {
  int keep[3] = {chan, STDOUT_FILENO, STDERR_FILENO};
  dw__contain_opts o = {.phase = DW__CONTAIN_EARLY, .keep_fds = keep, .nkeep = 3,
                        .parent = parent, .channel = chan, .pid_ns_errno = pid_ns_errno,
                        .simulate_refused = refuse};
  dw__contain_report r;
  dw__contain_report_init(&r);
  if (dw__contain(&o, &r)) goto refused;
  pre_sock = socket(AF_INET, SOCK_STREAM, 0);
  keep[0] = pre_sock; /* the channel is not used after the first phase */
  dw_sandbox *sb = NULL; /* the engine's first VM, as an executor makes it */
  dw_sandbox_options so = {0};
  if (dw_sandbox_new(NULL, &so, &sb)) return 3;
  dw_sandbox_free(sb);
  o.phase = DW__CONTAIN_LATE;
  if (dw__contain(&o, &r)) goto refused;
  if (!strcmp(p, "report")) {
    for (int i = 0; i < DW__CONTAIN_NSTEPS; i++)
      printf("%s: %s\n", dw__contain_step_name(i),
             r.applied & (1u << i) ? "applied" : r.fell_back & (1u << i) ? "fallback" : "not run");
    fflush(stdout);
    return 0;
  }
  int rc = probe(p);
  fflush(stdout);
  return rc;
refused:
  fprintf(stderr, "try-syscall: %s\n", r.message);
  return 2;
}

int main(int argc, char **argv) {
  unsigned refuse = 0;
  int i = 1;
  if (argc > 2 && !strcmp(argv[1], "--refuse")) {
    refuse = parse_refuse(argv[2]);
    i = 3;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: try-syscall [--refuse STEP,...] PROBE\n");
    return 2;
  }
  /* As dw__contained_run does: the contained process is a child (pid 1 of a new PID
   * namespace where allowed) with a channel to this parent. */
  int fds[2];
  if (pipe2(fds, O_CLOEXEC)) return 2;
  pre_fd = mkstemp(pre_path); /* a file that exists (and is open) before containment */
  if (pre_fd < 0) return 2;
  fflush(NULL);
  pid_t parent = getpid();
  int pid_ns_errno = 0;
  pid_t pid = dw__contain_fork(refuse, &pid_ns_errno);
  if (pid < 0) return 2;
  if (pid == 0) {
    close(fds[0]);
    _exit(child(argv[i], refuse, parent, pid_ns_errno, fds[1]));
  }
  close(fds[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  close(fds[0]);
  close(pre_fd);
  unlink(pre_path);
  if (WIFSIGNALED(status)) {
    printf("%s: killed (signal %d)\n", argv[i], WTERMSIG(status));
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}
