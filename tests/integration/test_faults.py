#!/usr/bin/env python3
"""Faults injected into a working `dynworker serve` under a steady load (issue 7, point 3):

- kill -9 of each executor in turn (and its descendants: the PID-namespace reaper below it):
  every request in flight gets an answer within 1 s of the fault (its result, or 503
  executor_lost/overloaded with Retry-After), none hangs, the daemon keeps serving, registered
  workers answer, and dynworker_executor_restarts_total counts every restart;
- kill -9 of the daemon, restarted by this test (the wrapper) with the same data dir and port:
  requests in flight fail at once (a reset), none hangs, and every registered worker is there
  and answers after the restart;
- a full disk (a 1 MiB tmpfs; without mount privileges RLIMIT_FSIZE through prlimit) gives a
  clear error on PUT, and the workers registered before still answer GET and fetch;
- an unwritable data dir (a path under a regular file; a read-only remount) gives a clear
  error at start or on PUT, not corruption.

Usage: test_faults.py path/to/dynworker [NAME_FILTER...]
Standard library only.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_util  # noqa: E402
from daemon_util import Daemon, descendants  # noqa: E402
from test_run import run_all  # noqa: E402

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/dynworker"
ONLY = sys.argv[2:]
CLIENT_TIMEOUT = 15
FAULT_ANSWER_S = 1.0
WORKER = "export default { async fetch(req) { const x = Number(new URL(req.url).searchParams.get('x')); await new Promise(r => setTimeout(r, 50)); return new Response(String(x * 2 + 1)) } }"


def expect(problems, cond, what):
    if not cond:
        problems.append(what)
    return cond


def metric(d, name):
    try:
        _, _, raw = d.request("GET", "/metrics", timeout=5)
    except OSError:
        return None
    m = re.search(rb"^" + re.escape(name.encode()) + rb" (\d+)", raw, re.M)
    return int(m.group(1)) if m else None


class Load:
    """A few clients sending a steady mix (fresh runs, warm fetches of registered workers);
    each request is recorded as (start, end, kind, outcome)."""

    def __init__(self, get_port, workers, clients=4):
        self.get_port, self.workers = get_port, workers
        self.stop = threading.Event()
        self.log = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(clients)]
        for t in self.threads:
            t.start()

    def _one(self, i, n):
        import http.client
        x = i * 100000 + n
        c = http.client.HTTPConnection("127.0.0.1", self.get_port(), timeout=CLIENT_TIMEOUT)
        try:
            if n % 2:
                w = self.workers[n % len(self.workers)]
                c.request("GET", "/v1/workers/%s/fetch?x=%d" % (w, x))
                r = c.getresponse()
                body = r.read()
                if r.status == 200:
                    return "ok" if body == str(x * 2 + 1).encode() else "WRONG %r" % body[:100]
            else:
                c.request("POST", "/v1/run", json.dumps({"code": "export default async (a) => { await new Promise(r => setTimeout(r, 30)); return a * 3 }", "args": [x]}))
                r = c.getresponse()
                body = r.read()
                if r.status == 200:
                    v = json.loads(body)
                    return "ok" if v.get("result") == x * 3 else "WRONG %r" % body[:200]
            code = None
            try:
                code = (json.loads(body).get("error") or {}).get("code")
            except (ValueError, AttributeError):
                pass
            if r.status == 503 and code in ("executor_lost", "overloaded") and r.getheader("Retry-After"):
                return "retry:" + code
            return "BAD %s %r" % (r.status, body[:200])
        except TimeoutError:
            return "HUNG"
        except OSError as e:
            # The daemon itself went away: a reset or a refused connection is an immediate,
            # clear transport error (the client retries once it is back).
            return "transport:" + type(e).__name__
        finally:
            c.close()

    def _loop(self, i):
        n = 0
        while not self.stop.is_set():
            n += 1
            t0 = time.time()
            out = self._one(i, n)
            with self.lock:
                self.log.append((t0, time.time(), out))
            if out.startswith("transport:"):
                time.sleep(0.05)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(CLIENT_TIMEOUT + 5)

    def check(self, p, faults, what):
        """Every request answered; none wrong or hung; those in flight at a fault answered
        within FAULT_ANSWER_S of it; returns the count of each outcome."""
        counts = {}
        with self.lock:
            log = list(self.log)
        for t0, t1, out in log:
            key = out.split(" ")[0]
            counts[key] = counts.get(key, 0) + 1
            if out.startswith(("WRONG", "BAD", "HUNG")):
                p.append("%s: %s (%.1f s)" % (what, out, t1 - t0))
            for f in faults:
                if t0 <= f < t1 and not out.startswith("ok") and t1 - f > FAULT_ANSWER_S:
                    p.append("%s: a request in flight at the fault was answered %s only %.2f s after it" % (what, out, t1 - f))
        expect(p, counts.get("ok", 0) > 0, "%s: no request succeeded: %s" % (what, counts))
        return counts


def register(d, n):
    ids = []
    for i in range(n):
        wid = "fw%d" % i
        s, v, _ = d.json("PUT", "/v1/workers/" + wid, {"code": WORKER, "limits": {"cpuMs": 200, "wallMs": 5000}})
        if s not in (200, 201):
            raise AssertionError("PUT %s: %s %s" % (wid, s, v))
        ids.append(wid)
    return ids


def wait_executors(d, n, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            s, v, _ = d.json("GET", "/healthz", timeout=5)
            if s == 200 and v.get("executors", 0) >= n and len(d.executors()) >= n:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def case_executor_kills(_d, p):
    d = Daemon(BIN, executors=2, config={"retryAfterSeconds": 1})
    try:
        ids = register(d, 6)
        expect(p, wait_executors(d, 2), "executors did not start")
        load = Load(lambda: d.port, ids)
        time.sleep(1)
        faults, killed = [], 0
        before = metric(d, "dynworker_executor_restarts_total") or 0
        for round_ in range(2):
            for pid in list(d.executors()):
                tree = [pid] + descendants(pid)
                faults.append(time.time())
                for q in tree:
                    try:
                        os.kill(q, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                killed += 1
                time.sleep(0.3)
                expect(p, wait_executors(d, 2), "round %d: the executors were not respawned" % round_)
                time.sleep(0.7)
        time.sleep(1)
        load.finish()
        counts = load.check(p, faults, "executor kills")
        after = metric(d, "dynworker_executor_restarts_total")
        expect(p, after is not None and after - before >= killed,
               "dynworker_executor_restarts_total went from %s to %s after %d kills" % (before, after, killed))
        for wid in ids:
            s, _, raw = d.request("GET", "/v1/workers/%s/fetch?x=5" % wid, timeout=CLIENT_TIMEOUT)
            expect(p, s == 200 and raw == b"11", "worker %s after the kills: %s %r" % (wid, s, raw[:100]))
        print("     executor kills: %d, outcomes %s, restarts %s -> %s" % (killed, counts, before, after))
    finally:
        d.close()


def case_daemon_kill_restart(_d, p):
    tmp = tempfile.TemporaryDirectory(prefix="dw-faults-")
    data = os.path.join(tmp.name, "data")
    box = {"d": Daemon(BIN, data_dir=data, executors=2)}
    port = box["d"].port
    try:
        ids = register(box["d"], 8)
        load = Load(lambda: port, ids)
        time.sleep(1)
        faults = []
        for round_ in range(2):
            old = box["d"]
            tree = descendants(old.proc.pid)
            faults.append(time.time())
            old.kill(signal.SIGKILL)
            # The executors die of their parent-death signal; the wrapper restarts the daemon
            # with the same data dir on the same port.
            t0 = time.time()
            nd = None
            while nd is None and time.time() - t0 < 20:
                try:
                    nd = Daemon(BIN, data_dir=data, executors=2, port=port)
                except AssertionError:
                    time.sleep(0.2)
            if not expect(p, nd is not None, "round %d: the daemon did not come back" % round_):
                return
            box["d"] = nd
            time.sleep(0.5)
            alive = [q for q in tree if os.path.exists("/proc/%d" % q) and b"__executor" in open("/proc/%d/cmdline" % q, "rb").read()]
            expect(p, not alive, "round %d: executors of the killed daemon still run: %s" % (round_, alive))
            old.tmp.cleanup()
            time.sleep(1.5)
        load.finish()
        counts = load.check(p, faults, "daemon kills")
        d = box["d"]
        s, v, _ = d.json("GET", "/v1/workers?limit=100")
        got = sorted(w["id"] for w in (v or {}).get("workers", []))
        expect(p, got == sorted(ids), "registered workers after two kill -9: %s" % got)
        for wid in ids:
            s, _, raw = d.request("GET", "/v1/workers/%s/fetch?x=7" % wid, timeout=CLIENT_TIMEOUT)
            expect(p, s == 200 and raw == b"15", "worker %s after the restart: %s %r" % (wid, s, raw[:100]))
        print("     daemon kills: 2, outcomes %s" % counts)
    finally:
        box["d"].close()
        tmp.cleanup()


def mount_tmpfs(path, size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", path], capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def fill_puts(d, p, what):
    """PUTs ever bigger workers until one is refused; returns that answer."""
    big = "export default () => '%s'"
    for i in range(200):
        s, v, _ = d.json("PUT", "/v1/workers/filler%d" % i, {"code": big % ("x" * 200000)}, timeout=30)
        if s not in (200, 201):
            return s, v
    p.append("%s: 200 PUTs of 200 KB never failed" % what)
    return None, None


def case_disk_full(_d, p):
    tmp = tempfile.TemporaryDirectory(prefix="dw-diskfull-")
    mnt = os.path.join(tmp.name, "mnt")
    os.mkdir(mnt)
    ok, why = mount_tmpfs(mnt, "1m")
    d = None
    try:
        if ok:
            d = Daemon(BIN, data_dir=os.path.join(mnt, "data"), executors=1)
        else:
            # No mount privileges: RLIMIT_FSIZE on the daemon (writes past 1 MiB fail with EFBIG;
            # SIGXFSZ would kill it, so the test can see whether the daemon ignores it).
            print("     (no tmpfs: %s; using prlimit --fsize)" % why)
            d = Daemon(BIN, executors=1)
            subprocess.run(["prlimit", "--pid", str(d.proc.pid), "--fsize=1048576"], check=True)
        keep = {"code": "export default { fetch() { return new Response('kept') } }"}
        s, v, _ = d.json("PUT", "/v1/workers/keep", keep)
        expect(p, s == 201, "PUT before the disk is full: %s %s" % (s, v))
        s, v = fill_puts(d, p, "disk full")
        if s is not None:
            code = (v or {}).get("error", {}).get("code") if isinstance(v, dict) else None
            msg = (v or {}).get("error", {}).get("message", "") if isinstance(v, dict) else ""
            expect(p, s in (500, 503, 507, 413) and code and msg,
                   "a PUT on a full disk: %s %s (a clear error with a code and a message)" % (s, v))
            print("     disk full: PUT answered %s %s" % (s, v))
        expect(p, d.proc.poll() is None, "the daemon died on a full disk: %s" % d.err())
        s, v, _ = d.json("GET", "/v1/workers/keep")
        expect(p, s == 200 and v and v.get("id") == "keep", "GET of a worker registered before: %s %s" % (s, v))
        s, _, raw = d.request("GET", "/v1/workers/keep/fetch")
        expect(p, s == 200 and raw == b"kept", "fetch of a worker registered before: %s %r" % (s, raw))
        s, v, _ = d.json("GET", "/healthz")
        expect(p, s == 200, "healthz on a full disk: %s" % s)
        if ok:
            # Restart on the full disk: it starts (or refuses clearly), and what was stored is there.
            d.kill(signal.SIGKILL)
            try:
                d2 = Daemon(BIN, data_dir=os.path.join(mnt, "data"), executors=1)
            except AssertionError as e:
                expect(p, "data" in str(e) or "disk" in str(e) or "space" in str(e),
                       "restart on a full disk failed without a clear message: %s" % e)
            else:
                try:
                    s, _, raw = d2.request("GET", "/v1/workers/keep/fetch")
                    expect(p, s == 200 and raw == b"kept", "after a restart on the full disk: %s %r" % (s, raw))
                finally:
                    d2.close()
    finally:
        if d:
            d.close()
        if ok:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
        tmp.cleanup()


def case_unwritable_data_dir(_d, p):
    tmp = tempfile.TemporaryDirectory(prefix="dw-unwritable-")
    try:
        f = os.path.join(tmp.name, "file")
        open(f, "w").close()
        r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % daemon_util.free_port(),
                            "--data-dir", os.path.join(f, "data"), "--executors", "1"],
                           capture_output=True, text=True, timeout=30)
        expect(p, r.returncode == 1 and "data" in r.stderr, "a data dir under a regular file: exit %s, %r" % (r.returncode, r.stderr[-300:]))
        mnt = os.path.join(tmp.name, "mnt")
        os.mkdir(mnt)
        ok, why = mount_tmpfs(mnt, "8m")
        if not ok:
            print("     (no tmpfs: %s; read-only remount skipped)" % why)
            return
        d = None
        try:
            d = Daemon(BIN, data_dir=os.path.join(mnt, "data"), executors=1)
            s, v, _ = d.json("PUT", "/v1/workers/keep", {"code": "export default { fetch() { return new Response('kept') } }"})
            expect(p, s == 201, "PUT before the remount: %s" % s)
            d.close()
            d = None
            # The data dir (with its database) becomes read-only while the daemon is down.
            r = subprocess.run(["mount", "-o", "remount,ro", mnt], capture_output=True, text=True)
            if not expect(p, r.returncode == 0, "remount read-only: %s" % r.stderr):
                return
            try:
                d = Daemon(BIN, data_dir=os.path.join(mnt, "data"), executors=1)
            except AssertionError as e:
                # Refusing to start is fine when it says why.
                expect(p, re.search(r"data|read-only|readonly", str(e)), "start on a read-only data dir failed unclearly: %s" % e)
                print("     read-only data dir: refused at start: %s" % str(e)[-200:].strip())
                return
            s, v, _ = d.json("PUT", "/v1/workers/new", {"code": "export default () => 1"})
            code = (v or {}).get("error", {}).get("code") if isinstance(v, dict) else None
            expect(p, s >= 500 and code, "a PUT on a read-only data dir: %s %s" % (s, v))
            print("     read-only data dir: started; PUT answered %s %s" % (s, v))
            s, _, raw = d.request("GET", "/v1/workers/keep/fetch")
            expect(p, s == 200 and raw == b"kept", "fetch of a worker registered before: %s %r" % (s, raw))
            s, v, _ = d.json("GET", "/v1/workers/new")
            expect(p, s == 404, "the refused worker does not exist: %s %s" % (s, v))
            expect(p, d.proc.poll() is None, "the daemon died: %s" % d.err())
        finally:
            if d:
                d.close()
            subprocess.run(["umount", "-l", mnt], capture_output=True)
    finally:
        tmp.cleanup()


CASES = [case_executor_kills, case_daemon_kill_restart, case_disk_full, case_unwritable_data_dir]


def main():
    def run(c):
        problems = []
        try:
            c["fn"](None, problems)
        except AssertionError as e:
            problems.append(str(e))
        except OSError as e:
            problems.append("%s: %s" % (type(e).__name__, e))
        return problems, "", ""
    return run_all([{"name": f.__name__[5:], "fn": f} for f in CASES], run, ONLY)


if __name__ == "__main__":
    sys.exit(main())
