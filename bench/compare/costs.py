#!/usr/bin/env python3
"""bench/compare/costs.py: the measured pieces of docs/PERFORMANCE.md's cost model.

  costs.py [--build DIR] [--out FILE]     (default FILE: bench/compare/results/costs.json)

Three probes, each a same-run comparison (no thresholds, nothing asserted):
  1. the path of a cold W1 over HTTP, piece by piece: the engine's floor (a bare realm, in a
     new VM or a shared one; bench/coldstart), a sandbox created with nothing run (realm +
     prelude), then with W1 run; the daemon's HTTP floor (GET /healthz),
     a warm worker's fetch (HTTP + supervisor <-> executor IPC + a warm call), POST /v1/run
     (the same plus a fresh child realm), beside the in-process fresh child (dw_loader, no id,
     as the executors do) and a fresh dw_sandbox in a shared VM and with an own VM;
  2. cold start against code size: W1 padded with 10 KB, 100 KB and 1 MB of functions that are
     defined but never called, fresh realm in a shared VM and own VM;
  3. cold start against the live count: a fresh realm in a VM that already holds 0, 1,000 and
     10,000 live sandboxes;
  and, for the HTTP rows, the CPU the server's whole process tree spent per request (the
  daemon's supervisor and executors; workerd's one process), beside the same for workerd.
Prints a markdown table per probe and writes the numbers as JSON.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as compare  # noqa: E402  (bench/compare/run.py: workloads, daemon, wrk)


def dw(build, mode, n, expected, sb, entry, env=None):
    exe = os.path.join(build, "bench", "compare", "dw_compare")
    p = subprocess.run([exe, "lat", "w1", mode, str(n), json.dumps(expected), sb, entry],
                       capture_output=True, text=True, timeout=900, env=dict(os.environ, **(env or {})))
    r = compare.last_json(p.stdout)
    return r if r else {"error": (p.stderr.strip().splitlines() or ["?"])[-1]}


PAD_FN = ("export function pad%d(a, b) { const x = a * %d + b; if (x > 10) { return String(x).padStart(8, '0') + "
          "[a, b].map((v) => v * 2).join(','); } return { a, b, x }; }\n")


def padded(src, kb):
    out, i = [src], 0
    size = len(src)
    while size < kb * 1024:
        line = PAD_FN % (i, i)
        out.append(line)
        size += len(line)
        i += 1
    return "".join(out)


def tree_cpu_s(root):
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    parent, cpu = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        parent[int(d)] = int(fields[1])
        cpu[int(d)] = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [root]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += [c for c, pp in parent.items() if pp == p]
    return total


def cpu_per_request(pid, port, path, seconds, lua=None):
    """wrk with 1 connection; the server's CPU (its whole process tree) per request, in ms."""
    c0 = tree_cpu_s(pid)
    r = compare.httpbench.wrk(port, path, 1, seconds, lua)
    c1 = tree_cpu_s(pid)
    n = r["rps"] * seconds
    r["server_cpu_ms_per_request"] = (c1 - c0) * 1000 / n if n > 0 else None
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(compare.ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "costs.json"))
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    R = {"date": compare.datetime.datetime.now(compare.datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
         "machine": compare.machine(), "load_start": compare.load_avg()}
    tmp = tempfile.mkdtemp(prefix="dw-costs-")
    gen, _ = compare.workloads.generate(os.path.join(tmp, "gen"))
    d = gen["w1"]["dir"]
    sb, entry = os.path.join(d, "dw_sandbox.js"), os.path.join(d, "dw_entry.js")
    exp = "hello, world"

    # 1. The HTTP path, piece by piece.
    path = {}
    # The engine's floor (bench/coldstart): a bare JavaScriptCore realm, in a new VM or a shared one.
    p = subprocess.run([os.path.join(build, "bench", "coldstart", "coldstart"), str(max(a.n, 100))],
                       capture_output=True, text=True, timeout=900)
    R["mem_floor_kb"] = {}
    for line in p.stdout.splitlines():
        if line.startswith("| engine floor"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 3:
                path["floor: " + cells[0][len("engine floor: "):]] = {"p50": float(cells[1]), "p99": float(cells[2])}
            else:  # the memory table: KB of RSS per live bare realm, 1,000 live
                R["mem_floor_kb"][cells[0][len("engine floor: "):]] = float(cells[1])
    for mode in ("new-shared", "cold-shared", "cold-loader", "new-own", "cold-own", "warm"):
        path["inprocess " + mode] = dw(build, mode, a.n, exp, sb, entry)
    daemon = compare.Daemon(os.path.join(build, "dynworker"), gen, tmp)
    pid = daemon.proc.pid
    try:
        path["http GET /healthz"] = cpu_per_request(pid, daemon.port, "/healthz", 5)
        path["http warm fetch"] = cpu_per_request(pid, daemon.port, "/v1/workers/warm-w1-0/fetch", 5)
        path["http POST /v1/run"] = cpu_per_request(pid, daemon.port, "/v1/run", 5, daemon.lua["w1"][0])
    finally:
        daemon.stop()
    # workerd, for the same per-request CPU.
    nm = os.path.join(build, "compare-peers", "node_modules")
    wdbin = compare.workerd_binary(nm)
    if wdbin:
        wd = compare.Workerd(wdbin, gen, tmp)
        try:
            compare.get(wd.port, "/warm/w1")
            path["workerd warm (LOADER.get)"] = cpu_per_request(wd.proc.pid, wd.port, "/warm/w1", 5)
            path["workerd fresh (LOADER.load)"] = cpu_per_request(wd.proc.pid, wd.port, "/cold/w1", 5)
        finally:
            wd.stop()
    R["path"] = path

    # 2. Code size.
    size = {}
    src_sb, src_entry = open(sb).read(), open(entry).read()
    for kb in (0, 10, 100, 1000):
        psb, pentry = os.path.join(tmp, "sb-%d.js" % kb), os.path.join(tmp, "entry-%d.js" % kb)
        with open(psb, "w") as f:
            f.write(padded(src_sb, kb))
        with open(pentry, "w") as f:
            f.write(padded(src_entry, kb))
        n = a.n if kb < 1000 else max(30, a.n // 10)
        size[kb] = {m: dw(build, m, n, exp, psb, pentry) for m in ("cold-shared", "cold-own")}
    R["code_size"] = size

    # 2b. Memory of a live sandbox: created only, after W1, after W2, and W1 padded to 100 KB.
    mem = {}
    exe = os.path.join(build, "bench", "compare", "dw_compare")
    w2sb = os.path.join(gen["w2"]["dir"], "dw_sandbox.js")
    for label, mode, js in (("shared VM, created, nothing run", "shared-new", sb),
                            ("shared VM, W1 ran", "shared", sb),
                            ("shared VM, W2 ran", "shared", w2sb),
                            ("shared VM, W1 + 100 KB of unused functions ran", "shared", os.path.join(tmp, "sb-100.js")),
                            ("own VM, created, nothing run", "own-new", sb),
                            ("own VM, W1 ran", "own", sb)):
        p = subprocess.run([exe, "mem", mode, "2000", "120", "8000", js], capture_output=True, text=True, timeout=400)
        lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        mem[label] = lines[-1]["per_kb"] if lines else None
    R["memory_kb_at_2000"] = mem

    # 3. Live count.
    live = {}
    for k in (0, 1000, 10000):
        live[k] = dw(build, "cold-shared", a.n, exp, sb, entry, {"DW_COMPARE_LIVE": str(k)})
    R["live_count"] = live
    R["load_end"] = compare.load_avg()

    def ms(r, f="p50"):
        return "n/a (%s)" % r["error"] if "error" in r else "%.3f" % r[f]
    print("Run %s UTC, load %s -> %s\n" % (R["date"], R["load_start"], R["load_end"]))
    print("| W1 path | p50 ms | p99 ms | server CPU ms per request |\n|---|---:|---:|---:|")
    for k, r in path.items():
        c = r.get("server_cpu_ms_per_request")
        print("| %s | %s | %s | %s |" % (k, ms(r), ms(r, "p99"), "—" if c is None else "%.3f" % c))
    print("\n| code size (W1 + unused functions) | fresh realm, shared VM p50 ms | own VM p50 ms |\n|---|---:|---:|")
    for kb, r in size.items():
        print("| %d KB | %s | %s |" % (kb, ms(r["cold-shared"]), ms(r["cold-own"])))
    print("\n| a live sandbox (2,000 live) | KB of RSS each |\n|---|---:|")
    for k, v in R["mem_floor_kb"].items():
        print("| engine floor: %s (bench/coldstart, 1,000 live) | %.0f |" % (k, v))
    for k, v in mem.items():
        print("| %s | %s |" % (k, "n/a" if v is None else "%.0f" % v))
    print("\n| live sandboxes in the VM | fresh realm p50 ms | p99 ms |\n|---|---:|---:|")
    for k, r in live.items():
        print("| %d | %s | %s |" % (k, ms(r), ms(r, "p99")))
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(R, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
