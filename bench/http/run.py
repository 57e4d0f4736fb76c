#!/usr/bin/env python3
"""bench/http: the daemon under wrk on loopback (issue 5, point 7).

  run.py path/to/dynworker [--seconds N] [--warmup S] [--workers N]

Rows: POST /v1/run (a fresh sandbox per request) and GET a registered worker's /fetch (warm),
each with 1 and 16 connections, each measured for N s (default 10) after S s (default 5) of the
same load unmeasured (so a row measures its steady state, not the previous row's aftermath:
right after 20 s of fresh sandboxes the executors' garbage slows the warm row for ~20 s):
requests/s, p50 and p99 latency (wrk --latency), and the
count of non-2xx answers (a row with any is marked: its numbers are not a success rate).
Then memory per live sandbox: N (default 10,000) registered workers, each invoked once so it
is warm, the executors' RSS and the warm count read from /metrics before and after.
Needs wrk (Debian package `wrk`; `scripts/deps.sh bench`). Standard library only.
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

GOALS = "goals on the 2-core machine: fresh >= 1,500 req/s, warm >= 15,000 req/s, fresh p50 <= 1 ms"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, tmp):
    port = free_port()
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump({"maxConcurrentRequests": 100000, "queueMax": 100000, "maxWarmWorkers": 20000,
                   "executorMemoryMb": 4096, "executorRssMb": 16384, "timeoutSeconds": 120}, f)
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:%d" % port, "--data-dir",
                          os.path.join(tmp, "data"), "--config", cfg],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    if "listening on" not in line:
        p.kill()
        sys.exit("the daemon did not start: " + line + p.stderr.read())
    threading.Thread(target=lambda: [None for _ in p.stderr], daemon=True).start()
    return p, port


def request(port, method, path, body=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=json.dumps(body) if body is not None else None)
    r = c.getresponse()
    data = r.read()
    if not conn:
        c.close()
    return r.status, data


def wrk(port, path, conns, seconds, lua=None):
    cmd = ["wrk", "--latency", "-t", str(min(conns, 2)), "-c", str(conns), "-d", "%ds" % seconds]
    if lua:
        cmd += ["-s", lua]
    out = subprocess.run(cmd + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                         text=True, timeout=seconds + 60).stdout

    def ms(label):
        m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), "p50": ms("50%"), "p99": ms("99%"),
            "non2xx": int(bad.group(1)) if bad else 0, "errors": errs.group(1) if errs else ""}


def metrics(port):
    _, text = request(port, "GET", "/metrics")
    out = {}
    for line in text.decode().splitlines():
        m = re.match(r"^(dynworker_\w+) ([\d.e+-]+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def warm_many(port, n, threads=8):
    ids = ["bench-%05d" % i for i in range(n)]

    def part(chunk):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for wid in chunk:
            # A distinct module per worker: nothing can be shared between them but the VM.
            code = {"code": "const ID = %s; export default { fetch() { return new Response(ID) } }" % json.dumps(wid)}
            s, _ = request(port, "PUT", "/v1/workers/" + wid, code, c)
            assert s in (200, 201), s
            s, _ = request(port, "GET", "/v1/workers/%s/fetch" % wid, None, c)
            assert s == 200, s
        c.close()
    ts = [threading.Thread(target=part, args=(ids[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    binary, seconds, warmup, nworkers = os.path.abspath(args[0]), 10, 5, 10000
    if "--seconds" in args:
        seconds = int(args[args.index("--seconds") + 1])
    if "--warmup" in args:
        warmup = int(args[args.index("--warmup") + 1])
    if "--workers" in args:
        nworkers = int(args[args.index("--workers") + 1])
    with tempfile.TemporaryDirectory(prefix="dw-bench-http-") as tmp:
        p, port = start(binary, tmp)
        try:
            lua = os.path.join(tmp, "run.lua")
            with open(lua, "w") as f:
                f.write('wrk.method = "POST"\nwrk.body = \'{"code":"export default () => 1 + 1"}\'\n'
                        'wrk.headers["Content-Type"] = "application/json"\n')
            s, body = request(port, "POST", "/v1/run", {"code": "export default () => 1 + 1"})
            assert s == 200 and json.loads(body)["result"] == 2, (s, body)
            s, _ = request(port, "PUT", "/v1/workers/hello", {"code": "export default { fetch() { return new Response('ok') } }"})
            s, body = request(port, "GET", "/v1/workers/hello/fetch")
            assert s == 200 and body == b"ok", (s, body)
            rows = []
            for name, path, script in [("fresh sandbox: POST /v1/run", "/v1/run", lua),
                                       ("warm worker: GET /v1/workers/hello/fetch", "/v1/workers/hello/fetch", None)]:
                for conns in (1, 16):
                    if warmup > 0:
                        wrk(port, path, conns, warmup, script)
                    r = wrk(port, path, conns, seconds, script)
                    rows.append((name, conns, r))
            print("each row: %d s measured after %d s of the same load unmeasured" % (seconds, warmup))
            print("| request | connections | requests/s | p50 ms | p99 ms | non-2xx |")
            print("|---|---:|---:|---:|---:|---:|")
            for name, conns, r in rows:
                print("| %s | %d | %.0f | %.2f | %.2f | %d%s |" % (name, conns, r["rps"], r["p50"], r["p99"], r["non2xx"],
                                                                 " (socket errors: %s)" % r["errors"] if r["errors"] else ""))
            print()
            print(GOALS)
            before = metrics(port)
            t0 = time.time()
            warm_many(port, nworkers)
            time.sleep(2)  # executors report their warm count and RSS periodically
            after = metrics(port)
            live = after.get("dynworker_live_sandboxes", 0) - before.get("dynworker_live_sandboxes", 0)
            rss = after.get("dynworker_executor_memory_bytes", 0) - before.get("dynworker_executor_memory_bytes", 0)
            print()
            print("| memory, %d registered workers each invoked once (%.0f s) | value |" % (nworkers, time.time() - t0))
            print("|---|---:|")
            print("| live sandboxes (warm workers) added | %d |" % live)
            print("| executors' RSS added | %.1f MiB |" % (rss / 1048576))
            print("| per live sandbox | %s |" % ("%.0f KB" % (rss / live / 1024) if live > 0 else "n/a (no warm count reported)"))
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
