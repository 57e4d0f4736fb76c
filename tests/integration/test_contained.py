#!/usr/bin/env python3
"""`dynworker run` runs its worker contained: while a worker spins, its process (a child of
the CLI's) has no-new-privs, a seccomp filter, its own namespaces and an empty root, or the
CLI reported on stderr why not (the kernel refused). Usage: test_contained.py path/to/dynworker"""
import os
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            pass
    return out


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


with tempfile.TemporaryDirectory() as d:
    w = os.path.join(d, "spin.js")
    with open(w, "w") as f:
        f.write("export default () => { for (;;) {} }")
    p = subprocess.Popen([BIN, "run", w, "--cpu-ms", "20000", "--wall-ms", "20000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    found = None
    deadline = time.time() + 15
    while time.time() < deadline and not found:
        time.sleep(0.1)
        for k in descendants(p.pid):
            try:
                st = status(k)
            except OSError:
                continue
            if st.get("Seccomp") == "2":
                found = (k, st)
    info = {}
    if found:
        k, st = found
        info["nnp"] = st.get("NoNewPrivs")
        info["threads"] = int(st.get("Threads", "0"))
        info["seccomp_all_threads"] = all(
            status_t.get("Seccomp") == "2"
            for status_t in (dict(l.rstrip("\n").split(":\t", 1)
                                  for l in open(f"/proc/{k}/task/{t}/status") if ":\t" in l)
                             for t in os.listdir(f"/proc/{k}/task")))
        info["ns"] = {n: os.readlink(f"/proc/{k}/ns/{n}") != os.readlink(f"/proc/self/ns/{n}")
                      for n in ["user", "mnt", "net", "ipc", "pid", "uts"]}
        info["root"] = sorted(os.listdir(f"/proc/{k}/root"))
        info["fds"] = {}
        for x in os.listdir(f"/proc/{k}/fd"):
            try:
                info["fds"][int(x)] = os.readlink(f"/proc/{k}/fd/{x}")
            except OSError:
                pass
    p.kill()
    _, err = p.communicate()

fails = []
if not found:
    fails.append("no process with a seccomp filter under dynworker run")
else:
    if info["nnp"] != "1": fails.append("no_new_privs not set")
    if not info["seccomp_all_threads"] or info["threads"] < 2:
        fails.append(f"seccomp not on every thread ({info['threads']} threads)")
    names = {"user": "user_namespace", "mnt": "mount_namespace", "net": "network_namespace",
             "ipc": "ipc_namespace", "uts": "uts_namespace"}
    for ns, own in info["ns"].items():
        if ns == "pid":
            continue  # the pid namespace link shows the process's own: checked by try-syscall
        if not own and f"containment: {names[ns]}" not in err:
            fails.append(f"{ns} namespace shared with the host and no fallback reported")
    if info["root"] and "containment: empty_root" not in err:
        fails.append(f"root not empty ({info['root'][:5]}) and no fallback reported")
    # The channel and stderr (pipes here), the pinned /proc/self/statm, and what the engine
    # made after containment (eventfds, which may reuse 0 and 1): no other file or socket.
    bad = {fd: t for fd, t in info["fds"].items()
           if not (t.startswith("pipe:") or t.startswith("anon_inode:") or t == "/proc/self/statm"
                   or t.endswith("/statm"))}
    if bad:
        fails.append(f"descriptors left open: {bad}")
print(info, file=sys.stderr)
for f in fails:
    print("FAIL", f)
if fails:
    sys.exit(1)
print("ok: dynworker run is contained")
