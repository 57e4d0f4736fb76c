#!/usr/bin/env python3
"""bench/compare: dynworker beside its peers, on the same machine, in one run (issue 8).

  run.py [--build DIR] [--quick] [--out DIR] [--mem-max N] [--mem-budget S] [--mem-cap-mb MB]
         [--skip-mem] [--skip-http]

Installs the peers pinned in package.json / package-lock.json (workerd, isolated-vm,
quickjs-emscripten) into DIR/compare-peers with `npm ci`, then measures dynworker and each
peer on the four workloads of workloads.py: in-process for the libraries (dw_compare for
dynworker, peers.js for isolated-vm and quickjs-emscripten), over HTTP with wrk on loopback
for workerd (a parent worker with a Worker Loader binding) and the dynworker daemon; then
memory per live sandbox while ramping up to --mem-max live sandboxes (default 100,000), each
ramp stopped by a time budget or an RSS cap. Prints one table with ratios to dynworker and
writes it to OUT/latest.md and OUT/latest.json (OUT default bench/compare/results).

A peer that cannot be installed or fails is reported as "not available: why" in its cells;
the run goes on. Nothing here compares a number with a threshold: the targets of issue 8 are
listed beside the measured ratios for a reader, never asserted.
"""
import argparse
import datetime
import glob
import hashlib
import http.client
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import workloads  # noqa: E402

_spec = importlib.util.spec_from_file_location("httpbench", os.path.join(ROOT, "bench", "http", "run.py"))
httpbench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(httpbench)

IVM, QJS, WORKERD, DW = "isolated-vm", "quickjs-emscripten", "workerd", "dynworker"


def log(msg):
    print("[compare %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def sh(cmd, timeout, env=None, cwd=None):
    """Runs cmd; returns (ok, stdout, a short reason when not ok)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        return False, "", "timed out after %d s" % timeout
    except OSError as e:
        return False, "", str(e)
    if p.returncode != 0:
        # The most telling line of stderr: a fatal error's, else the last one with words in it
        # (V8 ends its fatal reports with a line of '#').
        lines = [l.strip() for l in p.stderr.splitlines() if l.strip("# \t")]
        fatal = [l for l in lines if re.search(r"Fatal|what\(\)|Error|error:", l)]
        err = (fatal or lines or ["exit status %d" % p.returncode])[0 if fatal else -1]
        if p.returncode < 0:
            err = "killed by signal %d: %s" % (-p.returncode, err)
        return False, p.stdout, err.strip("# ")[:200]
    return True, p.stdout, ""


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def json_lines(text):
    out = []
    for line in text.strip().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


# ----------------------------------------------------------------------------- machine

def machine():
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "ram_gb": round(mem_kb / 1048576, 1), "cpu": cpu,
            "kernel": platform.release(), "node": sh(["node", "--version"], 10)[1].strip(),
            "max_map_count": int(open("/proc/sys/vm/max_map_count").read())}


def mem_available_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def load_avg():
    return [round(x, 2) for x in os.getloadavg()]


# ----------------------------------------------------------------------------- peers

def install_peers(build):
    """npm ci of the pinned peers into build/compare-peers (kept while the lock is unchanged).
    Returns (node_modules path or None, {peer: version or "not available: why"})."""
    dest = os.path.join(build, "compare-peers")
    os.makedirs(dest, exist_ok=True)
    lock = os.path.join(HERE, "package-lock.json")
    with open(lock, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(dest, ".lock-sha256")
    nm = os.path.join(dest, "node_modules")
    if not (os.path.exists(stamp) and open(stamp).read() == digest and os.path.isdir(nm)):
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(HERE, name), dest)
        log("installing the peers (npm ci) into %s" % dest)
        ok, _, why = sh(["npm", "ci", "--no-audit", "--no-fund"], 1200, cwd=dest)
        if not ok:
            log("npm ci failed: %s" % why)
        else:
            with open(stamp, "w") as f:
                f.write(digest)
    versions = {}
    env = dict(os.environ, NODE_PATH=nm)
    for peer in (IVM, QJS):
        ok, out, why = sh(["node", os.path.join(HERE, "peers.js"), "version", peer], 60, env=env)
        versions[peer] = out.strip() if ok else "not available: " + why
    wd = workerd_binary(nm)
    if wd:
        ok, out, why = sh([wd, "--version"], 30)
        pkg = json.load(open(os.path.join(nm, "workerd", "package.json")))["version"]
        versions[WORKERD] = ("%s (%s)" % (pkg, out.strip())) if ok else "not available: " + why
    else:
        versions[WORKERD] = "not available: no workerd binary for this platform in node_modules"
    return nm, versions


def workerd_binary(nm):
    for p in glob.glob(os.path.join(nm, "@cloudflare", "workerd-linux-*", "bin", "workerd")):
        if os.access(p, os.X_OK):
            return p
    return None


def available(v):
    return not str(v).startswith("not available")


# ----------------------------------------------------------------------------- in-process

def dw_lat(build, gen, w, mode, n, expected, budget):
    exe = os.path.join(build, "bench", "compare", "dw_compare")
    d = gen[w]["dir"]
    ok, out, why = sh([exe, "lat", w, mode, str(n), json.dumps(expected),
                       os.path.join(d, "dw_sandbox.js"), os.path.join(d, "dw_entry.js")], budget)
    return last_json(out) if ok else {"error": why}


def peer_lat(nm, peer, gen, w, mode, n, expected, budget):
    env = dict(os.environ, NODE_PATH=nm)
    ok, out, why = sh(["node", os.path.join(HERE, "peers.js"), "lat", peer, w, mode, str(n), expected,
                       os.path.join(gen[w]["dir"], "plain.js")], budget, env=env)
    return last_json(out) if ok else {"error": why}


# ----------------------------------------------------------------------------- HTTP peers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=30):
    t0 = time.time()
    while time.time() - t0 < seconds:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def get(port, path, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if not conn:
        c.close()
    return r.status, body


WORKERD_PARENT = r"""
import { WorkerEntrypoint } from "cloudflare:workers";
// W4's host function, handed to each dynamic worker as a service stub in its env.
export class Host extends WorkerEntrypoint { add(x) { return x + 1; } }
const SOURCES = %s;
const code = (w, ctx) => ({
  compatibilityDate: "2026-01-01",
  mainModule: "main.js",
  modules: { "main.js": SOURCES[w] },
  env: w === "w4" ? { HOST: ctx.exports.Host({ props: {} }) } : {},
  globalOutbound: null,
});
export default {
  async fetch(request, env, ctx) {
    const [, kind, w, n] = new URL(request.url).pathname.split("/");
    let worker;
    if (kind === "cold") worker = env.LOADER.load(code(w, ctx));         // fresh per request
    else if (kind === "warm") worker = env.LOADER.get("warm-" + w, () => code(w, ctx));
    else if (kind === "mem") worker = env.LOADER.get("mem-" + n, () => code("w1", ctx));
    else return new Response("not found", { status: 404 });
    return worker.getEntrypoint().fetch(request);
  },
};
"""

WORKERD_CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "parent", worker = .parent) ],
  sockets = [ (name = "http", address = "127.0.0.1:%d", http = (), service = "parent") ]
);
const parent :Workerd.Worker = (
  modules = [ (name = "parent.js", esModule = embed "parent.js") ],
  compatibilityDate = "2026-01-01",
  compatibilityFlags = ["experimental"],
  bindings = [ (name = "LOADER", workerLoader = ()) ]
);
"""


class Workerd:
    def __init__(self, binary, gen, tmp):
        self.port = free_port()
        d = os.path.join(tmp, "workerd")
        os.makedirs(d, exist_ok=True)
        sources = {w: open(os.path.join(gen[w]["dir"], "fetch.js")).read() for w in workloads.WORKLOADS}
        with open(os.path.join(d, "parent.js"), "w") as f:
            f.write(WORKERD_PARENT % json.dumps(sources))
        with open(os.path.join(d, "config.capnp"), "w") as f:
            f.write(WORKERD_CONFIG % self.port)
        self.log = open(os.path.join(d, "workerd.log"), "w")
        self.proc = subprocess.Popen([os.path.abspath(binary), "serve", "config.capnp", "--experimental"], cwd=d,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port, self.proc):
            self.stop()
            raise RuntimeError("workerd did not start: " + open(os.path.join(d, "workerd.log")).read()[-300:])

    def path(self, kind, w):
        return "/%s/%s" % (kind, w)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def rss_kb(self):
        return proc_rss_kb(self.proc.pid)


def proc_maps(pid):
    """The process's count of memory mappings (vm.max_map_count bounds it)."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def proc_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"VmRSS:\s+(\d+)", f.read())
            return int(m.group(1)) if m else 0
    except OSError:
        return 0


WARM_LIMITS = {"cpuMs": 60000, "subRequests": 100000}
WARM_IDS = 32


class Daemon:
    def __init__(self, binary, gen, tmp):
        self.proc, self.port = httpbench.start(binary, tmp)
        try:
            self._register(gen, tmp)
        except BaseException:
            self.stop()  # a failed registration must not leave the daemon running
            raise

    def _register(self, gen, tmp):
        s, body = httpbench.request(self.port, "PUT", "/v1/workers/host", {"mainModule": "host.js", "modules": {"host.js": workloads.HOST_WORKER}})
        if s not in (200, 201):
            raise RuntimeError("cannot register the host worker: %d %s" % (s, body[:200]))
        self.lua, self.warm_lua = {}, {}
        for w in workloads.WORKLOADS:
            d = gen[w]["dir"]
            # Only W4 gets the host binding: a capability in env costs a realm the loader's
            # API (loader.js), which W1-W3 have no use for (the same on workerd's side).
            env = {"HOST": {"$worker": "host"}} if w == "w4" else {}
            # A warm worker serves every request of a wrk run, and the daemon's budgets are
            # the worker's, not a request's: CPU across the calls it serves at once, and
            # sub-requests (binding calls) over its whole life, at most 100,000. So the budgets
            # are lifted, and W4 (10 binding calls a request) is spread over WARM_IDS workers
            # so that a run stays below 100,000 calls per worker. workerd enforces none locally.
            for k in range(WARM_IDS if w == "w4" else 1):
                wid = "warm-%s-%d" % (w, k)
                s, body = httpbench.request(self.port, "PUT", "/v1/workers/" + wid,
                                            {"mainModule": "main.js", "modules": {"main.js": open(os.path.join(d, "fetch.js")).read()},
                                             "env": env, "limits": WARM_LIMITS})
                if s not in (200, 201):
                    raise RuntimeError("cannot register %s: %d %s" % (wid, s, body[:200]))
            warm = os.path.join(tmp, "warm-%s.lua" % w)
            with open(warm, "w") as f:
                f.write('local i = 0\nrequest = function()\n  i = i + 1\n'
                        '  return wrk.format("GET", "/v1/workers/warm-%s-" .. (i %% %d) .. "/fetch")\nend\n'
                        % (w, WARM_IDS if w == "w4" else 1))
            self.warm_lua[w] = warm
            body = json.dumps({"code": open(os.path.join(d, "run.js")).read(), "env": env})
            lua = os.path.join(tmp, "run-%s.lua" % w)
            with open(lua, "w") as f:
                f.write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' % lua_string(body))
            self.lua[w] = (lua, body)

    def check_cold(self, w, expected):
        s, body = httpbench.request(self.port, "POST", "/v1/run", json.loads(self.lua[w][1]))
        r = json.loads(body) if s == 200 else {}
        if r.get("result") != expected:
            raise RuntimeError("POST /v1/run %s answered %d %s" % (w, s, body[:200]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def lua_string(s):
    return "[==[" + s + "]==]"


def wrk_pair(port, path, seconds, lua=None):
    """Latency with 1 connection, throughput with 16; either may carry non-2xx counts."""
    one = httpbench.wrk(port, path, 1, seconds, lua)
    many = httpbench.wrk(port, path, 16, seconds, lua)
    r = {"p50": one["p50"], "p99": one["p99"], "rps1": one["rps"], "rps16": many["rps"],
         "non2xx": one["non2xx"] + many["non2xx"], "errors": (one["errors"] + " " + many["errors"]).strip()}
    if r["non2xx"]:
        r["error"] = "%d non-2xx answers" % r["non2xx"]
    return r


def http_rows(kind, server, gen, expected, seconds):
    out = {}
    for w in workloads.WORKLOADS:
        for phase in ("cold", "warm"):
            key = "%s-%s" % (phase, w)
            try:
                if kind == WORKERD:
                    path = server.path(phase, w)
                    s, body = get(server.port, path)
                    if s != 200 or body.decode() != expected[w]:
                        raise RuntimeError("GET %s answered %d %r" % (path, s, body[:200]))
                    out[key] = wrk_pair(server.port, path, seconds)
                elif phase == "cold":
                    server.check_cold(w, expected[w])
                    out[key] = wrk_pair(server.port, "/v1/run", seconds, server.lua[w][0])
                else:
                    path = "/v1/workers/warm-%s-0/fetch" % w
                    s, body = get(server.port, path)
                    if s != 200 or body.decode() != expected[w]:
                        raise RuntimeError("GET %s answered %d %r" % (path, s, body[:200]))
                    out[key] = wrk_pair(server.port, path, seconds, server.warm_lua[w])
            except Exception as e:  # a failing row is reported, the run goes on
                out[key] = {"error": str(e)[:200]}
            log("%s %s: %s" % (kind, key, out[key]))
    return out


# ----------------------------------------------------------------------------- memory

def workerd_mem(wd, max_n, budget, cap_mb):
    """Dynamic workers kept alive by id in one workerd process; its RSS per worker."""
    for i in range(3):
        get(wd.port, "/mem/x/warmup%d" % i)
    time.sleep(0.5)
    before = wd.rss_kb()
    t0 = time.time()
    lines, n, stopped, rss_seen = [], 0, "max", before
    conn = http.client.HTTPConnection("127.0.0.1", wd.port, timeout=60)
    while n < max_n:
        if time.time() - t0 > budget:
            stopped = "time budget"
            break
        if n % 64 == 0:
            rss = wd.rss_kb() or rss_seen
            rss_seen = rss
            if rss / 1024 >= cap_mb:
                stopped = "memory cap"
                break
        try:
            s, body = get(wd.port, "/mem/x/%d" % n, conn)
        except Exception as e:
            time.sleep(0.5)
            code = wd.proc.poll()
            stopped = ("workerd exited (status %s)" % code) if code is not None else "failed: %s" % str(e)[:120]
            break
        if s != 200:
            stopped = "failed: status %d %s" % (s, body[:100])
            break
        n += 1
        if n % 1000 == 0:
            rss = wd.rss_kb()
            lines.append({"n": n, "rss_kb": rss, "per_kb": round((rss - before) / n, 1), "maps": proc_maps(wd.proc.pid)})
    # After a crash the process is gone: the last RSS read while it lived stands for it.
    rss = wd.rss_kb() or rss_seen
    lines.append({"n": n, "rss_kb": rss, "per_kb": round((rss - before) / n, 1) if n else 0,
                  "stopped": stopped, "seconds": round(time.time() - t0, 1)})
    return lines


def mem_summary(lines, err=None):
    """From a ramp's lines (one at every 1,000 live, a last one with "stopped"): KB per live
    sandbox at 1,000 and 10,000, and the most held. A ramp that crashed keeps what it
    printed: its count is the last thousand it reached."""
    if not lines:
        return {"error": err or "no output"}
    last = dict(lines[-1])
    if "stopped" not in last:
        last["stopped"] = "crashed: %s" % (err or "no final line")
    out = {"max_live": last["n"], "stopped": last.get("stopped", "?"), "seconds": last.get("seconds")}
    for l in lines:
        if "maps" in l and l["n"] in (1000, 10000):
            out["maps_at_%d" % l["n"]] = l["maps"]
        if l["n"] == 1000:
            out["kb_at_1000"] = l["per_kb"]
        if l["n"] == 10000:
            out["kb_at_10000"] = l["per_kb"]
    out["kb_at_max"] = last["per_kb"]
    return out


# ----------------------------------------------------------------------------- table

def fmt(v, unit):
    if v is None:
        return "—"
    if isinstance(v, dict):
        if "error" in v:
            return "n/a (%s)" % v["error"]
        return "—"
    if unit == "ms":
        return "%.3f" % v if v < 1 else ("%.2f" % v if v < 100 else "%.0f" % v)
    if unit == "/s":
        return "%.0f" % v
    if unit == "KB":
        return "%.0f" % v
    if unit == "n":
        return v
    return str(v)


def build_rows(R, quick):
    """Rows of (label, unit, better, {column: value or {"error"}}). Columns: dynworker then
    the peers. better is "lower" or "higher" (for the reader; ratios are peer / dynworker)."""
    rows = []
    ip = R["inprocess"]

    def cell(peer, key, field):
        r = ip.get(peer, {}).get(key)
        if r is None:
            return None
        if "error" in r:
            return {"error": r["error"]}
        return r.get(field)

    for w in workloads.WORKLOADS:
        t = workloads.TITLES[w]
        for mode, peer_mode, what in (("cold-own", "cold", "fresh, own VM/isolate/runtime"),
                                      ("cold-shared", "cold-shared", "fresh, realm/context in a shared VM"),
                                      ("warm", "warm", "warm")):
            fields = [("p50", "ms", "lower", "p50 ms"), ("ops", "/s", "higher", "runs/s (1 thread)")]
            if mode != "warm":
                fields.insert(1, ("p99", "ms", "lower", "p99 ms"))
            for field, unit, better, flabel in fields:
                rows.append(("%s in-process, %s: %s" % (w.upper(), what, flabel), unit, better, {
                    DW: cell(DW, "%s-%s" % (mode, w), field),
                    IVM: cell(IVM, "%s-%s" % (peer_mode, w), field),
                    QJS: cell(QJS, "%s-%s" % (peer_mode, w), field),
                    WORKERD: None}))
    hp = R["http"]

    def hcell(peer, key, field):
        r = hp.get(peer, {}).get(key) if isinstance(hp.get(peer), dict) else None
        if isinstance(hp.get(peer), str):
            return {"error": hp[peer]}
        if r is None:
            return None
        if "error" in r:
            return {"error": r["error"]}
        return r.get(field)

    for w in workloads.WORKLOADS:
        t = workloads.TITLES[w]
        for phase, what in (("cold", "fresh per request"), ("warm", "warm")):
            for field, unit, better, flabel in (("p50", "ms", "lower", "p50 ms, 1 connection"),
                                                ("p99", "ms", "lower", "p99 ms, 1 connection"),
                                                ("rps16", "/s", "higher", "requests/s, 16 connections")):
                rows.append(("%s HTTP, %s: %s" % (w.upper(), what, flabel), unit, better, {
                    DW: hcell(DW, "%s-%s" % (phase, w), field), IVM: None, QJS: None,
                    WORKERD: hcell(WORKERD, "%s-%s" % (phase, w), field)}))
    M = R["memory"]

    def mcell(key, field):
        r = M.get(key)
        if r is None:
            return None
        if "error" in r:
            return {"error": r["error"]}
        v = r.get(field)
        if v is None:
            return None
        if field == "max_live":
            return held(r)
        return v

    for dwkey, what in (("dw-shared", "dynworker realms in a shared VM"), ("dw-own", "dynworker with a VM per sandbox")):
        for field, unit, flabel in (("kb_at_1000", "KB", "KB RSS per live sandbox at 1,000 live"),
                                    ("kb_at_10000", "KB", "KB RSS per live sandbox at 10,000 live"),
                                    ("max_live", "n", "live sandboxes held")):
            rows.append(("Memory, %s: %s" % (what, flabel), unit, "lower" if unit == "KB" else "higher", {
                DW: mcell(dwkey, field), IVM: mcell(IVM, field), QJS: mcell(QJS, field), WORKERD: mcell(WORKERD, field)}))
    return rows


def held(r):
    """"N" when the ramp reached its maximum, "≥ N (why)" when a budget or cap stopped it,
    "N (why)" when the runtime failed or crashed there."""
    st = r["stopped"]
    if st == "max":
        return "%d" % r["max_live"]
    if st in ("time budget", "memory cap"):
        return "≥ %d (%s)" % (r["max_live"], st)
    return "%d (%s)" % (r["max_live"], st)


def ratio(dw, v):
    if isinstance(dw, (int, float)) and isinstance(v, (int, float)) and dw > 0:
        return v / dw
    return None


COLUMNS = [DW, IVM, QJS, WORKERD]


def targets(R):
    """Issue 8's targets beside this run's ratios: (target, measured, "met" / "not met" /
    "n/a"). A report for the reader; nothing fails on it."""
    def num(x):
        return x if isinstance(x, (int, float)) else None

    def ip(peer, key, f):
        r = R["inprocess"].get(peer, {}).get(key) or {}
        return num(r.get(f))

    def hp(peer, key, f):
        r = R["http"].get(peer)
        return num(r.get(key, {}).get(f)) if isinstance(r, dict) else None

    def mem(key, f):
        return num((R["memory"].get(key) or {}).get(f))

    out = []

    def add(text, a, b, want, fmt_ratio, ok):
        if a is None or b is None:
            out.append((text, "n/a (a side did not run)", "n/a"))
        else:
            out.append((text, fmt_ratio(a, b), "met" if ok(a, b) else "not met"))
    add("cold W1 over HTTP: p50 at least 10× faster than workerd's loader", hp(WORKERD, "cold-w1", "p50"), hp(DW, "cold-w1", "p50"),
        10, lambda w, d: "workerd %.2f ms / dynworker %.2f ms = %.1f×" % (w, d, w / d), lambda w, d: w / d >= 10)
    add("cold W1 in-process: p50 at least as fast as quickjs-emscripten (fresh runtime + context)", ip(QJS, "cold-w1", "p50"), ip(DW, "cold-shared-w1", "p50"),
        1, lambda q, d: "quickjs %.3f ms / dynworker realm %.3f ms = %.2f×" % (q, d, q / d), lambda q, d: d <= q)
    add("cold W1 in-process, like for like: dynworker realm vs quickjs context in a shared runtime", ip(QJS, "cold-shared-w1", "p50"), ip(DW, "cold-shared-w1", "p50"),
        1, lambda q, d: "quickjs %.3f ms / dynworker %.3f ms = %.2f×" % (q, d, q / d), lambda q, d: d <= q)
    add("cold W1 over HTTP: throughput at least 15× workerd's (16 connections)", hp(DW, "cold-w1", "rps16"), hp(WORKERD, "cold-w1", "rps16"),
        15, lambda d, w: "dynworker %.0f/s / workerd %.0f/s = %.1f×" % (d, w, d / w), lambda d, w: d / w >= 15)
    add("warm W1 over HTTP: p50 at most half of workerd's", hp(DW, "warm-w1", "p50"), hp(WORKERD, "warm-w1", "p50"),
        0.5, lambda d, w: "dynworker %.3f ms / workerd %.3f ms = %.2f" % (d, w, d / w), lambda d, w: d <= 0.5 * w)
    add("W3 warm (compute): within 1.5× of workerd's warm time (HTTP p50)", hp(DW, "warm-w3", "p50"), hp(WORKERD, "warm-w3", "p50"),
        1.5, lambda d, w: "dynworker %.2f ms / workerd %.2f ms = %.2f×" % (d, w, d / w), lambda d, w: d <= 1.5 * w)
    add("memory per live sandbox, realms in a shared VM: at most 1/10 of workerd's (1,000 live)", mem("dw-shared", "kb_at_1000"), mem(WORKERD, "kb_at_1000"),
        0.1, lambda d, w: "dynworker %.0f KB / workerd %.0f KB = 1/%.1f" % (d, w, w / d), lambda d, w: d * 10 <= w)
    add("memory per live sandbox, own VM: at most 1/2 of workerd's (1,000 live)", mem("dw-own", "kb_at_1000"), mem(WORKERD, "kb_at_1000"),
        0.5, lambda d, w: "dynworker %.0f KB / workerd %.0f KB = 1/%.1f" % (d, w, w / d), lambda d, w: d * 2 <= w)
    m = R["memory"].get("dw-shared") or {}
    w = R["memory"].get(WORKERD) or {}
    if "max_live" in m:
        out.append(("100,000 live sandboxes held (realms in a shared VM)",
                    "dynworker %s at %.0f KB each; workerd %s" % (
                        held(m), m["kb_at_max"], held(w) if "max_live" in w else "n/a"),
                    "met" if m["max_live"] >= 100000 else "not met"))
    return out


LEGEND = ("W1 " + workloads.TITLES["w1"][3:] + "; W2 " + workloads.TITLES["w2"][3:] + "; W3 " + workloads.TITLES["w3"][3:]
          + "; W4 " + workloads.TITLES["w4"][3:] + ". HTTP fresh: the daemon's POST /v1/run, workerd's "
          "env.LOADER.load(); HTTP warm: a registered worker's /v1/workers/ID/fetch, env.LOADER.get(id).")


def table_lines(rows):
    out = [LEGEND, "", "| measurement | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for label, unit, better, cells in rows:
        dw = cells.get(DW)
        parts = []
        for c in COLUMNS:
            v = cells.get(c)
            s = fmt(v, unit)
            r = ratio(dw, v) if c != DW else None
            if r is not None:
                s += " (%s)" % ("%.2f×" % r if r < 10 else "%.0f×" % r)
            parts.append(s)
        out.append("| %s | %s |" % (label, " | ".join(parts)))
    return out


def target_lines(R):
    out = ["| target | measured | |", "|---|---|---|"]
    for t, m, ok in targets(R):
        out.append("| %s | %s | %s |" % (t, m, ok))
    return out


def compact(rows):
    """The README's rows: p50s of the like-for-like cold start, warm, HTTP cold and warm, and
    memory."""
    keep = []
    for r in rows:
        l = r[0]
        if (l.endswith("realm/context in a shared VM: p50 ms") or l.endswith("in-process, warm: p50 ms")
                or ("HTTP" in l and l.endswith("p50 ms, 1 connection")) or ("HTTP, fresh" in l and "requests/s" in l)
                or l.startswith("Memory")):
            keep.append(r)
    return keep


README_BEGIN = "<!-- bench-compare:begin (written by bench/compare/run.py --readme) -->"
README_END = "<!-- bench-compare:end -->"


def update_readme(R, rows):
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    if README_BEGIN not in text or README_END not in text:
        log("README.md has no bench-compare markers; not updated")
        return
    m = R["machine"]
    body = [README_BEGIN, "",
            "Latest run: %s UTC, %d cores, %.1f GB RAM, load average %s at start (other builds ran on "
            "the machine too: timings are noisy, memory is not). Versions: %s." % (
                R["date"], m["nproc"], m["ram_gb"], " / ".join(map(str, R["load_start"])),
                "; ".join("%s %s" % (k, v) for k, v in R["versions"].items())),
            "",
            ("QUICK MODE (fewer runs, smaller ramps). " if R["quick"] else "") +
            "Value (peer ÷ dynworker); in-process rows: dynworker from C, the others from Node; HTTP "
            "rows: the daemon and workerd behind wrk on loopback. All rows, p99s and runs/s: "
            "[bench/compare/results/latest.md](bench/compare/results/latest.md).", ""]
    body += table_lines(compact(rows))
    body += ["", "Issue 8's targets in this run:", ""] + target_lines(R) + ["", README_END]
    a, b = text.index(README_BEGIN), text.index(README_END) + len(README_END)
    with open(path, "w") as f:
        f.write(text[:a] + "\n".join(body) + text[b:])
    log("README.md updated")
    # docs/PERFORMANCE.md's table of targets, from the same run.
    path = os.path.join(ROOT, "docs", "PERFORMANCE.md")
    begin, end = "<!-- bench-compare:targets:begin", "<!-- bench-compare:targets:end -->"
    text = open(path).read() if os.path.exists(path) else ""
    if begin in text and end in text:
        a = text.index("\n", text.index(begin)) + 1
        b = text.index(end)
        with open(path, "w") as f:
            f.write(text[:a] + "\n".join(target_lines(R)) + "\n" + text[b:])
        log("docs/PERFORMANCE.md's targets updated")


def render(R, rows):
    m = R["machine"]
    out = []
    out.append("# bench/compare: dynworker beside its peers")
    out.append("")
    out.append("Run %s UTC on %d cores, %.1f GB RAM (%s; Linux %s; Node %s); load average at start %s, at end %s%s." % (
        R["date"], m["nproc"], m["ram_gb"], m["cpu"], m["kernel"], m["node"],
        " / ".join(map(str, R["load_start"])), " / ".join(map(str, R["load_end"])),
        "; QUICK MODE (fewer runs, shorter wrk runs, smaller ramps)" if R["quick"] else ""))
    out.append("")
    out.append("Versions: " + "; ".join("%s %s" % (k, v) for k, v in R["versions"].items()) + ".")
    out.append("")
    out.append("Each cell: the value, and in brackets the peer's value ÷ dynworker's (times and memory: "
               "above 1 favours dynworker; runs/s and requests/s: below 1 favours dynworker). "
               "In-process rows compare libraries (dynworker through include/dynworker.h from C, the "
               "others from Node); HTTP rows compare the dynworker daemon with workerd, both behind wrk "
               "on loopback. \"—\": not applicable. Reproduce: `make bench-compare`.")
    out.append("")
    out += table_lines(rows)
    out.append("")
    out.append("Targets of issue 8 (ratios from this run):")
    out.append("")
    out += target_lines(R)
    out.append("")
    out.append("Memory ramps stop at %d live sandboxes, after %d s, or at %d MB of RSS, whichever comes first "
               "(\"≥ N\": stopped by the budget or the cap, not by a failure; a runtime that failed or crashed "
               "shows the last thousand it reached and why)." % (R["mem"]["max"], R["mem"]["budget"], R["mem"]["cap_mb"]))
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--mem-max", type=int, default=100000)
    ap.add_argument("--mem-budget", type=int, default=None, help="seconds per peer's ramp")
    ap.add_argument("--mem-cap-mb", type=int, default=None, help="stop a ramp at this RSS")
    ap.add_argument("--skip-mem", action="store_true")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--readme", action="store_true", help="also write the summary into README.md")
    ap.add_argument("--runs", type=int, default=None, help="runs per in-process row (a smoke test: 2)")
    ap.add_argument("--wrk-seconds", type=int, default=None, help="length of each wrk run (default 5; --quick 2)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a dynworker row failed (a wrong answer or a crash); never on a number")
    ap.add_argument("--only", default="", help="comma-separated subset of dynworker,isolated-vm,quickjs-emscripten,workerd")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    only = set(a.only.split(",")) if a.only else set(COLUMNS)
    n_fast, n_slow = (60, 6) if a.quick else (400, 25)
    if a.runs:
        n_fast = n_slow = a.runs
    wrk_s = a.wrk_seconds or (2 if a.quick else 5)
    budget = a.mem_budget if a.mem_budget is not None else (15 if a.quick else 150)
    # Leave room for the others on a shared machine: at most 60% of RAM per ramp, and 4 GB
    # below what is available when the run starts.
    total_mb = machine()["ram_gb"] * 1024
    cap_mb = a.mem_cap_mb if a.mem_cap_mb is not None else int(min(total_mb * 0.6, mem_available_mb() - 4096))
    mem_max = min(a.mem_max, 2000) if a.quick else a.mem_max

    t_start = time.time()
    R = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), "quick": a.quick,
         "machine": machine(), "load_start": load_avg(), "inprocess": {}, "http": {}, "memory": {},
         "mem": {"max": mem_max, "budget": budget, "cap_mb": cap_mb}}
    if only & {IVM, QJS, WORKERD}:
        nm, versions = install_peers(build)
    else:
        nm, versions = None, {p: "not available: not measured (--only)" for p in (IVM, QJS, WORKERD)}
    R["versions"] = {DW: re.sub(r"^dynworker\s*", "", sh([os.path.join(build, "dynworker"), "--version"], 10)[1].strip()) or "?"}
    R["versions"].update(versions)
    log("versions: %s" % R["versions"])

    tmp = tempfile.mkdtemp(prefix="dw-compare-")
    try:
        gen, data_len = workloads.generate(os.path.join(tmp, "gen"))
        R["w2_bytes"] = data_len
        ok, out, why = sh(["node", os.path.join(HERE, "expected.js"), os.path.join(tmp, "gen")], 120)
        if not ok:
            sys.exit("bench/compare: cannot compute the expected results with node: " + why)
        expected = json.loads(out)
        R["expected"] = expected

        # In-process.
        for w in workloads.WORKLOADS:
            n = n_slow if w == "w3" else n_fast
            if DW in only:
                for mode in ("cold-own", "cold-shared", "warm"):
                    r = dw_lat(build, gen, w, mode, n, expected[w], 300)
                    R["inprocess"].setdefault(DW, {})["%s-%s" % (mode, w)] = r
                    log("dynworker %s-%s: %s" % (mode, w, r))
            for peer in (IVM, QJS):
                if peer not in only:
                    continue
                for mode in ("cold", "cold-shared", "warm"):
                    if not available(versions[peer]):
                        r = {"error": versions[peer][len("not available: "):]}
                    else:
                        # quickjs runs W3 ~20x slower: fewer runs keep the row bounded.
                        r = peer_lat(nm, peer, gen, w, mode, n if peer != QJS or w != "w3" else max(3, n // 4),
                                     expected[w], 300)
                    R["inprocess"].setdefault(peer, {})["%s-%s" % (mode, w)] = r
                    log("%s %s-%s: %s" % (peer, mode, w, r))

        # HTTP.
        if not a.skip_http:
            if DW in only:
                try:
                    d = Daemon(os.path.join(build, "dynworker"), gen, tmp)
                    try:
                        R["http"][DW] = http_rows(DW, d, gen, expected, wrk_s)
                    finally:
                        d.stop()
                except (Exception, SystemExit) as e:  # bench/http's start() exits when the daemon does not start
                    R["http"][DW] = "daemon: %s" % str(e)[:200]
            if WORKERD in only:
                wdbin = workerd_binary(nm)
                if not available(versions[WORKERD]) or not wdbin:
                    R["http"][WORKERD] = versions[WORKERD][len("not available: "):]
                else:
                    try:
                        wd = Workerd(wdbin, gen, tmp)
                        try:
                            R["http"][WORKERD] = http_rows(WORKERD, wd, gen, expected, wrk_s)
                        finally:
                            wd.stop()
                    except Exception as e:
                        R["http"][WORKERD] = str(e)[:200]

        # Memory.
        if not a.skip_mem:
            exe = os.path.join(build, "bench", "compare", "dw_compare")
            w1 = os.path.join(gen["w1"]["dir"], "dw_sandbox.js")
            if DW in only:
                for mode in ("shared", "own"):
                    log("memory ramp: dynworker %s" % mode)
                    ok, out, why = sh([exe, "mem", mode, str(mem_max), str(budget), str(cap_mb), w1], budget + 120)
                    R["memory"]["dw-" + mode] = mem_summary(json_lines(out), None if ok else why)
                    log("dynworker %s: %s" % (mode, R["memory"]["dw-" + mode]))
            for peer in (IVM, QJS):
                if peer not in only:
                    continue
                if not available(versions[peer]):
                    R["memory"][peer] = {"error": versions[peer][len("not available: "):]}
                    continue
                log("memory ramp: %s" % peer)
                env = dict(os.environ, NODE_PATH=nm)
                ok, out, why = sh(["node", "--max-old-space-size=8192", os.path.join(HERE, "peers.js"), "mem", peer,
                                   str(mem_max), str(budget), str(cap_mb), os.path.join(gen["w1"]["dir"], "plain.js")],
                                  budget + 120, env=env)
                R["memory"][peer] = mem_summary(json_lines(out), None if ok else why)
                log("%s: %s" % (peer, R["memory"][peer]))
            if WORKERD in only:
                wdbin = workerd_binary(nm)
                if not wdbin:
                    R["memory"][WORKERD] = {"error": versions[WORKERD][len("not available: "):]}
                else:
                    log("memory ramp: workerd")
                    try:
                        wd = Workerd(wdbin, gen, tmp)
                        try:
                            R["memory"][WORKERD] = mem_summary(workerd_mem(wd, mem_max, budget, cap_mb))
                        finally:
                            wd.stop()
                    except Exception as e:
                        R["memory"][WORKERD] = {"error": str(e)[:200]}
                    log("workerd: %s" % R["memory"][WORKERD])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    R["load_end"] = load_avg()
    R["seconds"] = round(time.time() - t_start)
    rows = build_rows(R, a.quick)
    md = render(R, rows)
    R["table"] = [{"measurement": l, "unit": u, "better": b, "values": c} for l, u, b, c in rows]
    R["targets"] = [{"target": t, "measured": m, "status": ok} for t, m, ok in targets(R)]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.out, "latest.json"), "w") as f:
        json.dump(R, f, indent=1, default=str)
        f.write("\n")
    if a.readme:
        update_readme(R, rows)
    print(md)
    log("done in %d s; wrote %s/latest.md and latest.json" % (R["seconds"], a.out))
    if a.check:
        bad = [k for k, r in R["inprocess"].get(DW, {}).items() if "error" in r]
        bad += [k for k, r in R["http"].get(DW, {}).items() if "error" in r] if isinstance(R["http"].get(DW), dict) else (
            ["daemon"] if DW in R["http"] else [])
        if bad:
            log("failed rows: %s" % ", ".join(bad))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
