#!/usr/bin/env python3
"""Soak: mixed traffic against one `dynworker serve` for N minutes (issue 7, point 4).

Traffic (each client picks by weight): fresh one-shot runs (35%), warm fetches of registered
workers (40%), RPC calls that use a $http binding served by this script (15%), registered
workers replaced (PUT) now and then (5%), and hostile programs (5%: CPU loops, memory storms,
microtask chains, never-settling promises; each must end with its limit's code or a retriable
503). Every minute it prints requests, errors by code, p50/p99 latency of the well-behaved
requests, the RSS of the daemon and of its executors (each process tree summed), and the
daemon's open fds. At the end it checks, after the warm-up (the first minute, or 20% of a
short run): no wrong answer, no hang, no unexpected error; RSS and fds flat (the last
minute's median no more than 25% + 30 MB above the first measured minute's median, fds + 16).

Usage: bench/soak/run.py [--minutes N] [--clients C] [--bin path/to/dynworker] [--json FILE]
Exit status 1 when a check fails. Standard library only.
"""
import argparse
import http.client
import http.server
import json
import os
import random
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
import daemon_util  # noqa: E402

WARM = "export default { fetch(req) { const x = Number(new URL(req.url).searchParams.get('x')); return new Response(String(x * 7 + %d)) } }"
RPC = """import { WorkerEntrypoint } from "cloudflare:workers";
export class Api extends WorkerEntrypoint { async twice(x) { return (await this.env.B.echo(x, x)).length * x } }
export default {};"""
HOSTILE = [
    ("while (true) {}", {"cpuMs": 50, "wallMs": 3000}),
    ("export default () => { const a = []; for (;;) a.push(new Array(1e5).fill(1)) }", {"cpuMs": 2000, "wallMs": 3000}),
    ("export default () => { const f = () => Promise.resolve().then(f); f(); return new Promise(() => {}) }", {"cpuMs": 50, "wallMs": 500}),
    ("export default () => new Promise(() => {})", {"cpuMs": 50, "wallMs": 300}),
    ("export default () => /^(a+)+$/.test('a'.repeat(32) + 'b')", {"cpuMs": 50, "wallMs": 3000}),
]
LIMIT_CODES = {"cpu_limit_exceeded", "wall_limit_exceeded", "memory_limit_exceeded"}


class BindingHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        out = json.dumps({"result": body.get("args")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        try:
            self.wfile.write(out)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon gave up on this call (its invocation ended first): not ours to report

    def log_message(self, *a):
        pass


def rss_tree_kb(pid):
    """RSS of pid and all its descendants, in KiB."""
    total = 0
    for p in [pid] + daemon_util.descendants(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


class Soak:
    def __init__(self, d, binding_url, clients, seconds):
        self.d, self.binding_url = d, binding_url
        self.end = time.time() + seconds
        self.lock = threading.Lock()
        self.events = []   # (t, kind, outcome, latency_s)
        self.problems = []
        self.workers = ["soak%d" % i for i in range(20)]
        for i, w in enumerate(self.workers):
            self.put(w, i)
        s, v, _ = d.json("PUT", "/v1/workers/soak-rpc", {"code": RPC, "env": {"B": {"$http": {"url": binding_url}}}})
        if s not in (200, 201):
            raise AssertionError("PUT soak-rpc: %s %s" % (s, v))
        self.threads = [threading.Thread(target=self.loop, args=(i,), daemon=True) for i in range(clients)]

    def put(self, w, i):
        s, v, _ = self.d.json("PUT", "/v1/workers/" + w, {"code": WARM % i, "limits": {"cpuMs": 200}})
        if s not in (200, 201):
            raise AssertionError("PUT %s: %s %s" % (w, s, v))

    def one(self, rnd):
        r = rnd.random()
        d = self.d
        if r < 0.35:
            x = rnd.randrange(1 << 20)
            s, v, h = d.json("POST", "/v1/run", {"code": "export default (a) => a + 1", "args": [x]}, timeout=30)
            return "fresh", s, v, h, (v or {}).get("result") == x + 1 if s == 200 else None
        if r < 0.75:
            i = rnd.randrange(len(self.workers))
            x = rnd.randrange(1 << 20)
            s, h, raw = d.request("GET", "/v1/workers/%s/fetch?x=%d" % (self.workers[i], x), timeout=30)
            v = None
            if s != 200:
                try:
                    v = json.loads(raw)
                except ValueError:
                    v = None
            return "warm", s, v, h, raw == str(x * 7 + i).encode() if s == 200 else None
        if r < 0.90:
            x = rnd.randrange(1, 1000)
            s, v, h = d.json("POST", "/v1/workers/soak-rpc/rpc/Api/twice", [x], timeout=30)
            return "binding", s, v, h, (v or {}).get("result") == 2 * x if s == 200 else None
        if r < 0.95:
            i = rnd.randrange(len(self.workers))
            s, v, h = d.json("PUT", "/v1/workers/" + self.workers[i], {"code": WARM % i, "limits": {"cpuMs": 200}}, timeout=30)
            return "put", s, v, h, s in (200, 201)
        code, limits = rnd.choice(HOSTILE)
        s, v, h = d.json("POST", "/v1/run", {"code": code, "limits": limits}, timeout=30)
        ok = s == 200 and (v or {}).get("ok") is False and ((v or {}).get("error") or {}).get("code") in LIMIT_CODES
        return "hostile", s, v, h, ok

    def loop(self, i):
        rnd = random.Random(i)
        while time.time() < self.end:
            t0 = time.time()
            try:
                kind, s, v, h, good = self.one(rnd)
            except TimeoutError:
                kind, s, v, h, good = "?", 0, None, {}, False
                with self.lock:
                    self.problems.append("a request hung (30 s)")
            except OSError as e:
                kind, s, v, h, good = "?", 0, None, {}, False
                with self.lock:
                    self.problems.append("%s: %s" % (type(e).__name__, e))
            dt = time.time() - t0
            code = ((v or {}).get("error") or {}).get("code") if isinstance(v, dict) else None
            if s == 503 and code in ("executor_lost", "overloaded") and h.get("retry-after"):
                outcome = "503 " + code
            elif good:
                outcome = "ok" if kind != "hostile" else "limit " + code
            else:
                outcome = "BAD %s %s" % (s, code)
                with self.lock:
                    if len(self.problems) < 50:
                        self.problems.append("%s: %s %s" % (kind, s, json.dumps(v)[:300] if v else ""))
            with self.lock:
                self.events.append((t0 + dt, kind, outcome, dt))

    def run(self, report):
        for t in self.threads:
            t.start()
        start = time.time()
        minute = 0
        while any(t.is_alive() for t in self.threads):
            nxt = start + 60 * (minute + 1)
            samples = []
            while time.time() < nxt and any(t.is_alive() for t in self.threads):
                samples.append((rss_tree_kb(self.d.proc.pid), fds(self.d.proc.pid),
                                sum(rss_tree_kb(p) for p in self.d.executors())))
                time.sleep(5)
            lo, hi = start + 60 * minute, start + 60 * (minute + 1)
            with self.lock:
                ev = [e for e in self.events if lo <= e[0] < hi]
            report(minute, ev, samples)
            minute += 1
        for t in self.threads:
            t.join()


def pct(xs, p):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "..", "build", "dynworker"))
    ap.add_argument("--json", help="write the per-minute table here")
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BindingHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    d = daemon_util.Daemon(os.path.abspath(a.bin), executors=2,
                           config={"deadlineGraceMs": 1000, "quarantineMs": 100, "executorMemoryMb": 256})
    rows = []
    print("%4s %7s %6s %8s %8s %10s %12s %5s  %s" % ("min", "reqs", "req/s", "p50 ms", "p99 ms", "daemon MB", "executors MB", "fds", "outcomes"))

    def report(minute, ev, samples):
        good = [e[3] * 1000 for e in ev if e[1] != "hostile" and e[2] == "ok"]
        outcomes = {}
        for e in ev:
            outcomes[e[2]] = outcomes.get(e[2], 0) + 1
        daemon_kb = statistics.median([s[0] - s[2] for s in samples]) if samples else 0
        exec_kb = statistics.median([s[2] for s in samples]) if samples else 0
        nfd = statistics.median([s[1] for s in samples]) if samples else 0
        span = min(60.0, max(1.0, (max(e[0] for e in ev) - min(e[0] for e in ev)) if ev else 1.0))
        row = {"minute": minute + 1, "requests": len(ev), "rps": len(ev) / span, "p50_ms": pct(good, 0.5),
               "p99_ms": pct(good, 0.99), "daemon_rss_mb": daemon_kb / 1024, "executors_rss_mb": exec_kb / 1024,
               "fds": nfd, "outcomes": outcomes}
        rows.append(row)
        print("%4d %7d %6.0f %8.1f %8.1f %10.1f %12.1f %5d  %s" % (row["minute"], row["requests"], row["rps"], row["p50_ms"],
              row["p99_ms"], row["daemon_rss_mb"], row["executors_rss_mb"], row["fds"], json.dumps(outcomes, sort_keys=True)), flush=True)

    problems = []
    try:
        soak = Soak(d, "http://127.0.0.1:%d/" % srv.server_address[1], a.clients, a.minutes * 60)
        soak.run(report)
        problems += soak.problems
        if d.proc.poll() is not None:
            problems.append("the daemon died: %s" % d.err())
    finally:
        d.close()
        srv.shutdown()
    # Flat after warm-up: compare the first full minute after warm-up with the last one.
    full = [r for r in rows if r["requests"] > 0]
    if len(full) >= 3:
        base, last = full[1], full[-1]
        for key, slack in (("daemon_rss_mb", 30), ("executors_rss_mb", 30)):
            if last[key] > base[key] * 1.25 + slack:
                problems.append("LEAK? %s grew from %.1f (minute %d) to %.1f (minute %d)" % (key, base[key], base["minute"], last[key], last["minute"]))
        if last["fds"] > base["fds"] + 16:
            problems.append("LEAK? open fds grew from %d to %d" % (base["fds"], last["fds"]))
    else:
        print("(fewer than 3 minutes: no growth check)")
    bad = sum(v for r in rows for k, v in r["outcomes"].items() if k.startswith("BAD"))
    if bad:
        problems.append("%d requests got a wrong answer or an unexpected error" % bad)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "problems": problems}, f, indent=1)
    for pr in problems:
        print("FAIL " + pr)
    print("soak: %s" % ("ok" if not problems else "%d problems" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
