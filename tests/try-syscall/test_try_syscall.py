#!/usr/bin/env python3
"""Proves the executor's containment from inside it, with tests/try-syscall.

Usage: test_try_syscall.py path/to/try-syscall

Holds where the kernel allows every step and where it refuses some: a refused optional step
must be reported on stderr (once), a refused required one must stop the process before any
probe runs."""
import subprocess
import sys

BIN = sys.argv[1]
SIGSYS = 31
failures = []


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what, out="", err=""):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}\n  stdout: {out!r}\n  stderr: {err!r}")
    else:
        print(f"ok: {what}")


def fallback_lines(err):
    return [l for l in err.splitlines() if "containment:" in l]


# 1. Denied with EPERM (the allow-list's default answer).
for probe in ["open_etc_passwd", "open_preexisting", "create_file", "socket_inet",
              "socket_unix", "connect_loopback", "fork", "setrlimit"]:
    rc, out, err = run(probe)
    check(rc == 0 and f"{probe}: denied (EPERM)" in out, f"{probe} is denied with EPERM", out, err)

# 2. Killed outright (only an escape or a kernel attack calls these).
for probe in ["execve", "ptrace", "mount", "unshare"]:
    rc, out, err = run(probe)
    check(rc == 128 + SIGSYS and "allowed" not in out, f"{probe} kills the process (SIGSYS)",
          out, err)

# 3. Controls: what the engine needs still works inside (threads, JS, the RSS reading).
for probe in ["thread", "js", "read_statm"]:
    rc, out, err = run(probe)
    check(rc == 1 and f"{probe}: allowed" in out, f"{probe} still works inside", out, err)

# 4. What this kernel allowed: every required step applied; every fallback reported once.
rc, out, err = run("report")
check(rc == 0, "containment starts", out, err)
steps = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
for req in ["no_new_privs", "parent_death_signal", "pin_proc_fds", "close_fds", "rlimits",
            "seccomp"]:
    check(steps.get(req) == "applied", f"required step {req} applied", out, err)
for name, state in steps.items():
    if state == "fallback":
        n = sum(1 for l in fallback_lines(err) if f"containment: {name}" in l)
        check(n == 1, f"fallback of {name} reported exactly once", out, err)
print("this kernel: " + ", ".join(f"{k}={v}" for k, v in steps.items()))

# 5. Where the kernel refuses the optional steps: reported once each, still contained.
optional = ["user_namespace", "mount_namespace", "network_namespace", "ipc_namespace",
            "pid_namespace", "uts_namespace"]
rc, out, err = run("--refuse", ",".join(optional), "report")
steps = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
for name in optional:
    n = sum(1 for l in fallback_lines(err) if f"containment: {name} not applied" in l)
    check(steps.get(name) == "fallback" and n == 1,
          f"refused {name}: fallback reported exactly once", out, err)
check(steps.get("empty_root") == "applied" and "deleted directory" in err,
      "without a mount namespace the root is a deleted directory (reported)", out, err)
for probe in ["open_etc_passwd", "socket_inet", "fork"]:
    rc, out, err = run("--refuse", ",".join(optional), probe)
    check(rc == 0 and "denied (EPERM)" in out, f"{probe} denied with the namespaces refused",
          out, err)
rc, out, err = run("--refuse", ",".join(optional), "execve")
check(rc == 128 + SIGSYS, "execve kills with the namespaces refused", out, err)
rc, out, err = run("--refuse", ",".join(optional), "js")
check(rc == 1, "JS runs with the namespaces refused", out, err)

# 6. A required step refused: the process refuses to start and no probe runs.
for req in ["no_new_privs", "parent_death_signal", "pin_proc_fds", "close_fds", "rlimits",
            "seccomp"]:
    rc, out, err = run("--refuse", req, "open_etc_passwd")
    check(rc == 2 and f"containment step {req} failed" in err and "open_etc_passwd" not in out,
          f"refused required step {req}: the executor refuses to start", out, err)

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all passed")
