#!/usr/bin/env python3
"""`dynworker serve` driven as a user drives it: the real daemon on a free port with a temp
data dir, every endpoint, every binding kind and error, every JSON answer validated against
docs/openapi.yaml (openapi_check.py); persistence across kill -9; a SIGTERM drain; an
executor killed during a burst; runaways next to well-behaved workers.

Usage: test_daemon.py path/to/dynworker [NAME_FILTER...]
Standard library + PyYAML + jsonschema only.
"""
import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_util  # noqa: E402
import openapi_check  # noqa: E402
from test_run import run_all  # noqa: E402

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/dynworker"
ONLY = sys.argv[2:]
SPEC = openapi_check.load()


class Daemon(daemon_util.Daemon):
    """daemon_util.Daemon of BIN whose JSON answers are checked against docs/openapi.yaml."""

    def __init__(self, **kw):
        super().__init__(BIN, **kw)

    def call(self, method, path, body=None, headers=None, timeout=60):
        """A request whose answer is JSON that must fit docs/openapi.yaml: (status, value, headers)."""
        status, hdrs, raw = self.request(method, path, body, headers, timeout)
        ctype = hdrs.get("content-type", "")
        if not ctype.startswith("application/json"):
            raise AssertionError("%s %s: %d with content-type %r: %r" % (method, path, status, ctype, raw[:300]))
        value = json.loads(raw)
        openapi_check.validate(SPEC, method, path, status, value, headers=hdrs)
        return status, value, hdrs


def validate_error(value):
    """An answer of a path the spec does not have (an unknown route) is still an Error."""
    import jsonschema
    try:
        jsonschema.validate(value, openapi_check._resolve(SPEC, SPEC["components"]["schemas"]["Error"]))
    except jsonschema.ValidationError as e:
        raise AssertionError("not an Error: %s: %s" % (e.message, value))


def expect(problems, cond, what):
    if not cond:
        problems.append(what)
    return cond


def err_code(v):
    return (v.get("error") or {}).get("code")


def run_js(d, code, **extra):
    body = {"code": code}
    body.update(extra)
    return d.call("POST", "/v1/run", body)


# ---- the cases -------------------------------------------------------------------------

def case_run(d, p):
    s, v, _ = run_js(d, "export default () => 1 + 1")
    expect(p, s == 200 and v["ok"] is True and v["result"] == 2, "run: %s %s" % (s, v))
    s, v, _ = run_js(d, "export default (a: number, b: number): number => a * b", language="ts", args=[6, 7])
    expect(p, s == 200 and v.get("result") == 42, "ts + args: %s %s" % (s, v))
    s, v, _ = run_js(d, "export default { async fetch(r) { return new Response(r.method + ' ' + r.url + ' ' + await r.text(), {status: 201}) } }",
                     request={"method": "POST", "url": "http://x.test/p?q=1", "headers": {"a": "b"}, "body": "hi"})
    resp = v.get("response") or {}
    expect(p, s == 200 and resp.get("status") == 201 and resp.get("body") == "POST http://x.test/p?q=1 hi",
           "fetch handler via /v1/run: %s %s" % (s, v))
    s, v, _ = d.call("POST", "/v1/run", {"mainModule": "a.js", "modules": {"a.js": "import {b} from './b.js'; export default () => b", "b.js": "export const b = 'B'"},
                                         "compatibilityDate": "2026-01-01", "env": {"X": 1}})
    expect(p, s == 200 and v.get("result") == "B", "WorkerCode with two modules: %s %s" % (s, v))
    s, v, _ = run_js(d, "export default (env) => env.NAME", env={"NAME": "world"})
    expect(p, v.get("result") == "world", "env: %s" % v)
    s, v, _ = run_js(d, "console.log('hello'); export default () => 1")
    expect(p, any(l.get("message") == "hello" for l in v.get("logs", [])), "logs: %s" % v)
    # Numbers keep their shortest form (jansson alone would print 0.1 as 0.10000000000000001),
    # and a number that needs 17 digits keeps them.
    st, _, raw = d.request("POST", "/v1/run", {"code": "export default () => [0.1, 1.5]"})
    expect(p, st == 200 and b'"result":[0.1,1.5]' in raw, "short numbers: %r" % raw[:200])
    st, _, raw = d.request("POST", "/v1/run", {"code": "export default () => 0.1 + 0.2"})
    expect(p, st == 200 and json.loads(raw)["result"] == 0.1 + 0.2, "17-digit numbers kept: %r" % raw[:200])


def case_run_errors(d, p):
    s, v, _ = d.call("POST", "/v1/run", "{not json")
    expect(p, s == 400 and err_code(v) == "bad_request" and "body" in v["error"]["message"], "bad JSON: %s %s" % (s, v))
    s, v, _ = d.call("POST", "/v1/run", {"code": "x", "language": "py"})
    expect(p, s == 400 and "language" in v["error"]["message"], "bad language: %s" % v)
    s, v, _ = d.call("POST", "/v1/run", {"modules": {"a.js": "x"}, "mainModule": 5})
    expect(p, s == 400 and "mainModule" in v["error"]["message"], "bad mainModule: %s" % v)
    s, v, _ = d.call("POST", "/v1/run", {"code": "x", "args": {}})
    expect(p, s == 400 and "args" in v["error"]["message"], "bad args: %s" % v)
    s, v, _ = d.call("POST", "/v1/run", {"code": "x", "request": {"url": 5}})
    expect(p, s == 400 and "request.url" in v["error"]["message"], "bad url: %s" % v)
    s, v, _ = run_js(d, "export default () => { throw new TypeError('nope') }")
    expect(p, s == 200 and v["ok"] is False and err_code(v) == "uncaught_exception", "throw: %s %s" % (s, v))
    s, v, _ = run_js(d, "export default () => {", )
    expect(p, s == 200 and err_code(v) == "syntax_error", "syntax: %s %s" % (s, v))
    s, v, _ = run_js(d, "while (true) {}", limits={"cpuMs": 100})
    expect(p, s == 200 and err_code(v) == "cpu_limit_exceeded", "cpu limit: %s %s" % (s, v))
    s, v, _ = run_js(d, "export default async () => { await fetch('http://example.com/') }")
    expect(p, s == 200 and v["ok"] is False, "no network by default: %s" % v)
    s, _, raw = d.request("GET", "/v2/nothing")
    v = json.loads(raw)
    validate_error(v)
    expect(p, s == 404 and err_code(v) == "not_found", "unknown route: %s %s" % (s, v))
    s, h, raw = d.request("GET", "/v1/run")
    validate_error(json.loads(raw))
    expect(p, s == 405 and "POST" in h.get("allow", ""), "wrong method: %s %s" % (s, h))
    s, v, _ = d.call("GET", "/v1/workers/x", headers={"X-Dynworker-Tenant": "bad/tenant"})
    expect(p, s == 400 and "X-Dynworker-Tenant" in v["error"]["message"], "bad tenant: %s" % v)


def case_workers(d, p):
    code = {"code": "export default { fetch() { return new Response('v1') } }"}
    s, v, _ = d.call("PUT", "/v1/workers/w1", code)
    expect(p, s == 201 and v["rev"] >= 1 and v["created"] is True, "create: %s %s" % (s, v))
    s, v, _ = d.call("PUT", "/v1/workers/w1", {"code": "export default { fetch() { return new Response('v2') } }"})
    expect(p, s == 200 and v["created"] is False, "replace: %s %s" % (s, v))
    st, _, body = d.request("GET", "/v1/workers/w1/fetch")
    expect(p, st == 200 and body == b"v2", "the replaced code runs: %s %r" % (st, body))
    for i in range(2, 6):
        d.call("PUT", "/v1/workers/w%d" % i, code)
    s, v, _ = d.call("GET", "/v1/workers/w1")
    expect(p, s == 200 and v["id"] == "w1" and v["invocations"] >= 1 and v["lastUsed"] and v["code"]["modules"],
           "get: %s %s" % (s, v))
    s, v, _ = d.call("GET", "/v1/workers?limit=2")
    expect(p, [w["id"] for w in v["workers"]] == ["w1", "w2"] and v["next"] == "w2", "page 1: %s" % v)
    s, v, _ = d.call("GET", "/v1/workers?after=w2&limit=10")
    expect(p, [w["id"] for w in v["workers"]] == ["w3", "w4", "w5"] and v["next"] is None, "page 2: %s" % v)
    s, v, _ = d.call("GET", "/v1/workers", headers={"X-Dynworker-Tenant": "other"})
    expect(p, v["workers"] == [], "tenants are separate: %s" % v)
    s, v, _ = d.call("DELETE", "/v1/workers/w5")
    expect(p, s == 200 and v["deleted"] is True, "delete: %s %s" % (s, v))
    for m, path in [("GET", "/v1/workers/w5"), ("DELETE", "/v1/workers/w5"), ("POST", "/v1/workers/w5/rpc/default/x"),
                    ("GET", "/v1/workers/w5/tail")]:
        s, v, _ = d.call(m, path, [] if "rpc" in path else None)
        expect(p, s == 404 and err_code(v) == "worker_not_found", "%s %s: %s %s" % (m, path, s, v))
    s, _, raw = d.request("GET", "/v1/workers/w5/fetch")
    expect(p, s == 404 and json.loads(raw)["error"]["code"] == "worker_not_found", "fetch of a deleted worker: %s" % s)
    s, v, _ = d.call("PUT", "/v1/workers/bad", {"modules": {}})
    expect(p, s == 400, "invalid code refused: %s %s" % (s, v))


ECHO = """export default { async fetch(req) {
  const h = {}; for (const [k, v] of req.headers) h[k] = v;
  return new Response(JSON.stringify({method: req.method, url: req.url, headers: h, body: await req.text()}),
                      {status: 203, headers: {"content-type": "application/json", "x-from-worker": "yes"}});
} }"""


def case_fetch(d, p):
    d.call("PUT", "/v1/workers/echo", {"code": ECHO})
    s, h, raw = d.request("POST", "/v1/workers/echo/fetch/a/b?x=1&y=2", body=b"payload",
                          headers={"X-Test": "1", "X-Dynworker-Tenant": "default", "Connection": "keep-alive",
                                   "Host": "myhost.test"})
    v = json.loads(raw) if s == 203 else {}
    expect(p, s == 203 and h.get("x-from-worker") == "yes", "status and headers as is: %s %s" % (s, h))
    expect(p, v.get("method") == "POST" and v.get("url") == "http://myhost.test/a/b?x=1&y=2", "request line: %s" % v)
    expect(p, v.get("headers", {}).get("x-test") == "1", "headers handed over: %s" % v)
    expect(p, not any(k.startswith("x-dynworker") or k in ("connection", "authorization") for k in v.get("headers", {})),
           "hop-by-hop and X-Dynworker-* dropped: %s" % v)
    expect(p, v.get("body") == "payload", "body: %s" % v)
    s, h, raw = d.request("GET", "/v1/workers/echo/fetch")
    expect(p, s == 203 and json.loads(raw)["url"].endswith("/"), "no path: %s %r" % (s, raw))
    d.call("PUT", "/v1/workers/thrower", {"code": "export default { fetch() { throw new Error('bad') } }"})
    s, h, raw = d.request("GET", "/v1/workers/thrower/fetch/x")
    expect(p, s == 500 and h.get("x-dynworker-error") == "uncaught_exception", "worker failure: %s %s" % (s, h))
    if s == 500:
        openapi_check.validate(SPEC, "GET", "/v1/workers/thrower/fetch/x", 500, json.loads(raw))


RPC = """import { WorkerEntrypoint } from "cloudflare:workers";
export class Api extends WorkerEntrypoint {
  add(a, b) { return a + b; }
  props() { return this.ctx.props ?? null; }
  fail() { throw new RangeError("out of range"); }
}
export default { fetch() { return new Response("d") }, hello(name) { return "hi " + name; } };"""


def case_rpc(d, p):
    d.call("PUT", "/v1/workers/api", {"code": RPC})
    s, v, _ = d.call("POST", "/v1/workers/api/rpc/Api/add", [1, 2])
    expect(p, s == 200 and v == {"result": 3}, "rpc: %s %s" % (s, v))
    s, v, _ = d.call("POST", "/v1/workers/api/rpc/default/hello", ["x"])
    expect(p, s == 200 and v == {"result": "hi x"}, "default entrypoint: %s %s" % (s, v))
    s, v, _ = d.call("POST", "/v1/workers/api/rpc/Api/fail", [])
    e = v.get("error", {})
    expect(p, s == 500 and e.get("name") == "RangeError" and "out of range" in e.get("message", "") and "stack" in e,
           "rpc failure: %s %s" % (s, v))
    s, v, _ = d.call("POST", "/v1/workers/api/rpc/Api/add", {"a": 1})
    expect(p, s == 400 and "array" in v["error"]["message"], "args must be an array: %s" % v)


def case_tail(d, p):
    d.call("PUT", "/v1/workers/tailed", {"code": "export default { fetch() { console.log('tick'); return new Response('ok') } }"})
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
    c.request("GET", "/v1/workers/tailed/tail")
    r = c.getresponse()
    expect(p, r.status == 200 and r.getheader("content-type", "").startswith("text/event-stream"), "tail: %s" % r.status)
    got = []

    def reader():
        while True:
            line = r.fp.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                got.append(json.loads(line[6:]))
                return
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    time.sleep(0.2)
    d.request("GET", "/v1/workers/tailed/fetch")
    t.join(10)
    c.close()
    if expect(p, got, "no tail event arrived"):
        ev = got[0]
        import jsonschema
        try:
            jsonschema.validate(ev, openapi_check._resolve(SPEC, SPEC["components"]["schemas"]["TailEvent"]))
        except jsonschema.ValidationError as e:
            p.append("tail event does not fit TailEvent: %s" % e.message)
        expect(p, ev.get("outcome") == "ok" and any(l.get("message") == "tick" for l in ev.get("logs", [])),
               "tail event: %s" % ev)


def case_health_metrics(d, p):
    s, v, _ = d.call("GET", "/healthz")
    expect(p, s == 200 and v["ok"] is True and v["executors"] >= 1, "healthz: %s %s" % (s, v))
    run_js(d, "export default () => 1")
    s, h, raw = d.request("GET", "/metrics")
    text = raw.decode()
    expect(p, s == 200 and h.get("content-type", "").startswith("text/plain"), "metrics: %s" % s)
    for fam in ["dynworker_invocations_total{kind=\"run\",outcome=\"ok\"}", "dynworker_invocation_duration_seconds_bucket",
                "dynworker_http_requests_total{code=\"200\"}", "dynworker_live_sandboxes", "dynworker_executor_memory_bytes",
                "dynworker_executor_restarts_total", "dynworker_executors", "dynworker_queue_depth", "dynworker_inflight"]:
        expect(p, fam in text, "metrics lack %s" % fam)


def executor_pids(daemon_pid):
    """The executor processes below the daemon (their cmdline holds __executor)."""
    out, todo = set(), [daemon_pid]
    while todo:
        pid = todo.pop()
        try:
            for t in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                    kids = [int(x) for x in f.read().split()]
                todo.extend(kids)
                for k in kids:
                    with open("/proc/%d/cmdline" % k, "rb") as f:
                        if b"__executor" in f.read() and pid == daemon_pid:
                            out.add(k)
        except OSError:
            pass
    return out


def case_tenants(d, p):
    """Tenants never share an executor process: a new tenant gets executors of its own, and
    its invocations run there (the executors the default tenant had are not used)."""
    run_js(d, "export default () => 1")
    before = executor_pids(d.proc.pid)
    s, v, _ = d.call("POST", "/v1/run", {"code": "export default () => globalThis.x = 'b'"},
                     headers={"X-Dynworker-Tenant": "tenant-b"})
    expect(p, s == 200 and v.get("result") == "b", "tenant-b run: %s %s" % (s, v))
    after = executor_pids(d.proc.pid)
    expect(p, before and len(after - before) >= 1 and before <= after,
           "a new tenant gets executors of its own: before %s after %s" % (before, after))
    s, v, _ = d.call("GET", "/healthz")
    # (a second executor of the new group may still be starting: it counts once it said HELLO)
    expect(p, s == 200 and v.get("executors", 0) >= len(before) + 1, "healthz counts them: %s" % v)


class BindingServer(http.server.BaseHTTPRequestHandler):
    """The far end of a $http binding: {"method", "args"} -> {"result"} or {"error"}."""
    calls = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        BindingServer.calls.append((body, self.headers.get("X-Secret")))
        if body.get("method") == "sum":
            out = {"result": sum(body["args"])}
        else:
            out = {"error": "no method " + str(body.get("method"))}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


def case_bindings(d, p):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BindingServer)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        bindings(d, p, srv)
    finally:
        srv.shutdown()


def bindings(d, p, srv):
    url = "http://127.0.0.1:%d/rpc" % srv.server_address[1]
    s, v, _ = run_js(d, "export default async (env) => await env.API.sum(1, 2, 3)",
                     env={"API": {"$http": {"url": url, "headers": {"X-Secret": "s"}}}})
    expect(p, v.get("result") == 6, "$http binding: %s" % v)
    expect(p, BindingServer.calls and BindingServer.calls[-1] == ({"method": "sum", "args": [1, 2, 3]}, "s"),
           "$http binding request: %s" % BindingServer.calls)
    s, v, _ = run_js(d, "export default async (env) => { try { await env.API.nope(); return 'no' } catch (e) { return 'rejected: ' + e.message } }",
                     env={"API": {"$http": {"url": url}}})
    expect(p, str(v.get("result", "")).startswith("rejected") and "no method" in str(v.get("result")),
           "$http binding error rejects: %s" % v)
    # globalOutbound: none by default; an allow-list admits only its hosts, and never a
    # loopback or private address (the SSRF guard applies to the worker's own fetch()).
    fetch_local = ("export default async () => { try { return (await fetch('http://127.0.0.1:%d/')).status } "
                   "catch (e) { return 'refused: ' + e.message } }" % srv.server_address[1])
    for outbound in (None, {"allow": ["example.com"]},
                     {"allow": ["127.0.0.1"], "inject": {"127.0.0.1": {"X-Secret": "s"}}}):
        s, v, _ = run_js(d, fetch_local, globalOutbound=outbound)
        expect(p, str(v.get("result", "")).startswith("refused") or v.get("ok") is False,
               "globalOutbound %s: %s" % (outbound, v))
    d.call("PUT", "/v1/workers/callee", {"code": RPC})
    s, v, _ = run_js(d, "export default async (env) => [await env.SVC.add(2, 3), await env.SVC.props()]",
                     env={"SVC": {"$worker": "callee", "entrypoint": "Api", "props": {"who": "me"}}})
    expect(p, v.get("result") == [5, {"who": "me"}], "$worker binding: %s" % v)
    s, v, _ = run_js(d, "export default async (env) => { try { await env.SVC.add(1, 1) } catch (e) { return 'rejected' } }",
                     env={"SVC": {"$worker": "missing-worker", "entrypoint": "Api"}})
    expect(p, v.get("result") == "rejected" or v.get("ok") is False, "$worker binding to a missing worker: %s" % v)
    loader = """export default async (env) => {
      const w = env.LOADER.get("child:v1", async () => ({
        compatibilityDate: "2026-01-01", mainModule: "m.js",
        modules: { "m.js": "export default { fetch() { return new Response('nested ' + (1 + 1)) } }" },
        globalOutbound: null,
      }));
      return await (await w.getEntrypoint().fetch("http://x/")).text();
    }"""
    s, v, _ = run_js(d, loader, env={"LOADER": {"$loader": {}}})
    expect(p, v.get("result") == "nested 2", "$loader binding: %s" % v)
    # A child's own memoryMb (a VM of its own in the executor): over it, only that child ends.
    loader_mem = """export default async (env) => {
      const mk = (limits) => env.LOADER.load({ compatibilityDate: "2026-01-01", limits, modules: { "m.js":
        "const keep = []; export default { hog(n) { for (let i = 0; i < n; i++) keep.push(new Uint8Array(1 << 20).fill(1)); return keep.length } }" } }).getEntrypoint();
      // cpuMs: the memory limit must be the first one hit even where allocating is slow (the
      // ASan build under a full parallel test run took over the default 50 ms).
      let over; try { await mk({ memoryMb: 16, cpuMs: 2000 }).hog(64); over = "no error"; } catch (e) { over = e.code + ": " + e.message; }
      return [over, await mk({ memoryMb: 16 }).hog(4), await mk({}).hog(8)];
    }"""
    s, v, _ = run_js(d, loader_mem, env={"LOADER": {"$loader": {}}})
    expect(p, v.get("result") == ["memory_limit_exceeded: Worker 'load()' exceeded its memory limit (16 MB)", 4, 8],
           "$loader child over its memoryMb: %s" % v)
    s, v, _ = run_js(d, loader, env={"LOADER": {"$loader": {}}})
    expect(p, v.get("result") == "nested 2", "$loader binding after a child's memory kill: %s" % v)


def case_auth(_d, p):
    d = Daemon(token="s3cret-token", config={"tokens": {"acme-token": "acme"}})
    try:
        s, v, h = d.call("POST", "/v1/run", {"code": "export default () => 1"})
        expect(p, s == 401 and err_code(v) == "unauthorized", "no token: %s %s" % (s, v))
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default () => 1"}, headers={"Authorization": "Bearer wrong"})
        expect(p, s == 401, "wrong token: %s" % s)
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default () => 1"}, headers={"Authorization": "Bearer s3cret-token"})
        expect(p, s == 200 and v["result"] == 1, "right token: %s %s" % (s, v))
        acme = {"Authorization": "Bearer acme-token"}
        d.call("PUT", "/v1/workers/mine", {"code": "export default () => 1"}, headers=acme)
        s, v, _ = d.call("GET", "/v1/workers/mine", headers={"Authorization": "Bearer s3cret-token"})
        expect(p, s == 404, "a bound token's tenant is separate: %s" % s)
        s, v, _ = d.call("GET", "/v1/workers/mine", headers=dict(acme, **{"X-Dynworker-Tenant": "other"}))
        expect(p, s == 401, "a bound token cannot name another tenant: %s" % s)
        s, v, _ = d.call("GET", "/healthz")
        expect(p, s == 200, "healthz needs no token: %s" % s)
    finally:
        d.close()
    empty = tempfile.NamedTemporaryFile("w", delete=False)
    empty.write("\n")
    empty.close()
    r = subprocess.run([BIN, "serve", "--token-file", empty.name, "--listen", "127.0.0.1:%d" % daemon_util.free_port()],
                       capture_output=True, text=True, timeout=30)
    os.unlink(empty.name)
    expect(p, r.returncode == 2 and "empty" in r.stderr, "empty token file: %s %s" % (r.returncode, r.stderr))
    r = subprocess.run([BIN, "serve", "--listen", "nonsense"], capture_output=True, text=True, timeout=30)
    expect(p, r.returncode == 2, "bad --listen: %s" % r.returncode)


def case_caps(_d, p):
    d = Daemon(config={"maxBodyBytes": 4096, "maxConcurrentRequests": 4, "retryAfterSeconds": 2})
    try:
        s, h, raw = d.request("POST", "/v1/run", body=b"{" + b" " * 10000 + b"}")
        expect(p, s == 413, "body over the cap: %s %r" % (s, raw[:100]))
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default () => 1"})
        expect(p, s == 200, "the daemon works after a 413: %s" % s)
        results = []

        def one():
            try:
                results.append(d.call("POST", "/v1/run", {"code": "export default async () => { await new Promise(r => setTimeout(r, 700)); return 1 }"}))
            except Exception as e:  # noqa: BLE001
                results.append((0, {"exception": str(e)}, {}))
        ts = [threading.Thread(target=one) for _ in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        codes = sorted(r[0] for r in results)
        expect(p, 503 in codes and 200 in codes and set(codes) <= {200, 503}, "overload: %s" % codes)
        for s, v, h in results:
            if s == 503:
                expect(p, err_code(v) == "overloaded" and h.get("retry-after") == "2", "503: %s %s" % (v, h))
    finally:
        d.close()


def raw_exchanges(port, reqs, timeout):
    """Opens one connection per request (all at once), sends each its bytes, and reads every
    answer until the server closes or `timeout` passes. Returns the raw answers (b"" for a
    connection that got nothing)."""
    import selectors
    import socket
    socks = []
    for _ in reqs:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        socks.append(s)
    sel = selectors.DefaultSelector()
    out = [b""] * len(socks)
    for i, (s, r) in enumerate(zip(socks, reqs)):
        try:
            s.sendall(r)
        except OSError:
            pass
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    open_ = len(socks)
    end = time.time() + timeout
    while open_ and time.time() < end:
        for key, _ in sel.select(timeout=0.5):
            i = key.data
            try:
                b = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if b:
                out[i] += b
            else:
                sel.unregister(key.fileobj)
                open_ -= 1
    for s in socks:
        s.close()
    return out


def case_connections(_d, p):
    """1,000 concurrent connections each get an answer (200, or 503 when over a cap), never a
    hang; past maxConnections a connection gets 503 overloaded; a request that does not arrive
    whole within requestSeconds gets 408 (slowloris)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        # The daemon inherits this. Root may raise the hard limit too; anyone the soft one.
        for want in ((65536, max(hard, 65536)), (hard, hard)):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, want)
                break
            except (ValueError, OSError):
                pass
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    # Our 1,000 sockets and the daemon's 1,000 (plus ~40 of its own) each need a descriptor.
    n = 1000 if soft >= 1100 else max(100, soft - 100)
    if n < 1000:
        sys.stderr.write("connections: descriptor limit %d: %d connections, not 1,000\n" % (soft, n))
    d = Daemon()
    try:
        body = json.dumps({"code": "export default () => 6 * 7"}).encode()
        req = (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        answers = raw_exchanges(d.port, [req] * n, 120)
        statuses = {}
        for a in answers:
            st = a[9:12].decode("latin-1") if a.startswith(b"HTTP/1.1 ") else "none"
            statuses[st] = statuses.get(st, 0) + 1
            if st == "200":
                expect(p, a.endswith(b'"result":42}') or b'"result":42' in a, "a 200 without the result: %r" % a[-200:])
        expect(p, set(statuses) <= {"200", "503"} and statuses.get("200", 0) > 0,
               "%d connections: answers by status %s" % (n, statuses))
        s, v, _ = d.call("GET", "/healthz")
        expect(p, s == 200, "healthz after %d connections: %s" % (n, s))
    finally:
        d.close()
    d = Daemon(config={"maxConnections": 50, "requestSeconds": 2})
    try:
        hz = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        # 80 connections at once, each sending nothing for now: 30 are over the cap.
        import socket
        idle = [socket.create_connection(("127.0.0.1", d.port)) for _ in range(80)]
        time.sleep(0.5)
        refused = 0
        for s in idle:
            s.settimeout(0.2)
            try:
                a = s.recv(4096)
            except socket.timeout:
                continue
            if a.startswith(b"HTTP/1.1 503"):
                refused += 1
                body_ = a.split(b"\r\n\r\n", 1)[1]
                expect(p, json.loads(body_)["error"]["code"] == "overloaded" and b"Retry-After: 1" in a,
                       "503 over maxConnections: %r" % a)
        expect(p, refused == 30, "80 connections with maxConnections 50: %d refused, expected 30" % refused)
        for s in idle:
            s.close()
        time.sleep(0.3)
        answers = raw_exchanges(d.port, [hz] * 40, 10)
        expect(p, all(a.startswith(b"HTTP/1.1 200") for a in answers),
               "connections after the others closed: %s" % [a[:12] for a in answers if not a.startswith(b"HTTP/1.1 200")])
        # A head that never ends: 408 at requestSeconds (2 s), not at timeoutSeconds (30 s).
        t0 = time.time()
        a = raw_exchanges(d.port, [b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a"], 15)[0]
        dt = time.time() - t0
        expect(p, a.startswith(b"HTTP/1.1 408") and 1.5 < dt < 6,
               "an unfinished head: %r after %.1f s" % (a[:40], dt))
        if a.startswith(b"HTTP/1.1 408"):
            expect(p, json.loads(a.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "bad_request", "408 body: %r" % a)
        text = d.request("GET", "/metrics")[2].decode()
        expect(p, "dynworker_http_connections_refused_total 30" in text and
               "dynworker_http_request_timeouts_total 1" in text,
               "metrics: %s" % [l for l in text.splitlines() if l.startswith("dynworker_http_conn") or "timeouts" in l])
    finally:
        d.close()


def case_persistence(_d, p):
    tmp = tempfile.TemporaryDirectory(prefix="dw-persist-")
    data = os.path.join(tmp.name, "data")
    d = Daemon(data_dir=data)
    d.call("PUT", "/v1/workers/keep", {"code": "export default { fetch() { return new Response('still here') } }"})
    d.call("PUT", "/v1/workers/keep2", {"code": "export default () => 2"}, headers={"X-Dynworker-Tenant": "t2"})
    d.kill(signal.SIGKILL)
    d2 = Daemon(data_dir=data)
    try:
        s, h, raw = d2.request("GET", "/v1/workers/keep/fetch")
        expect(p, s == 200 and raw == b"still here", "after kill -9: %s %r" % (s, raw))
        s, v, _ = d2.call("GET", "/v1/workers/keep2", headers={"X-Dynworker-Tenant": "t2"})
        expect(p, s == 200 and v["id"] == "keep2", "second tenant's worker: %s" % s)
    finally:
        d2.close()
        d.tmp.cleanup()
        tmp.cleanup()


def case_drain(_d, p):
    d = Daemon(config={"drainGraceMs": 10000})
    out = {}

    def slow():
        try:
            out["slow"] = d.call("POST", "/v1/run", {"code": "export default async () => { await new Promise(r => setTimeout(r, 1500)); return 'done' }"})
        except Exception as e:  # noqa: BLE001
            out["slow"] = (0, {"exception": str(e)}, {})
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    started = time.time()
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    refused = False
    try:
        d.request("GET", "/healthz", timeout=5)
    except OSError:
        refused = True
    expect(p, refused, "a new connection during the drain is refused")
    t.join(30)
    rc = d.proc.wait(30)
    s, v, _ = out.get("slow", (0, {}, {}))
    expect(p, s == 200 and v.get("result") == "done", "the request in flight completed: %s %s" % (s, v))
    expect(p, rc == 0, "exit status after the drain: %s; %s" % (rc, d.err()))
    expect(p, time.time() - started < 10, "the drain took %.1f s" % (time.time() - started))
    d.tmp.cleanup()


def case_executor_killed(_d, p):
    d = Daemon(executors=2)
    try:
        d.call("POST", "/v1/run", {"code": "export default () => 1"})
        pids = d.executors()
        if not expect(p, pids, "no executor processes found (children with __executor)"):
            return
        results = []
        lock = threading.Lock()

        def one(i):
            try:
                r = d.call("POST", "/v1/run", {"code": "export default async (env) => { await new Promise(r => setTimeout(r, 300)); return %d }" % i})
            except Exception as e:  # noqa: BLE001
                r = (0, {"exception": str(e)}, {})
            with lock:
                results.append((i, r))
        ts = [threading.Thread(target=one, args=(i,)) for i in range(50)]
        for t in ts:
            t.start()
        time.sleep(0.15)
        os.kill(pids[0], signal.SIGKILL)
        for t in ts:
            t.join(60)
        expect(p, len(results) == 50, "answers: %d of 50" % len(results))
        lost = 0
        for i, (s, v, h) in results:
            if s == 200:
                expect(p, v.get("result") == i, "request %d: %s" % (i, v))
            elif s == 503:
                lost += 1
                expect(p, err_code(v) in ("executor_lost", "overloaded") and "retry-after" in h, "request %d: %s %s" % (i, v, h))
            else:
                p.append("request %d: %s %s" % (i, s, v))
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default () => 'alive'"})
        expect(p, s == 200 and v.get("result") == "alive", "after the kill: %s %s" % (s, v))
        s, h, raw = d.request("GET", "/metrics")
        expect(p, b"dynworker_executor_restarts_total" in raw, "restarts in metrics")
    finally:
        d.close()


def case_runaways(_d, p):
    d = Daemon(executors=2)
    try:
        runaways = {
            "loop": ("while (true) {}", {"cpuMs": 200, "wallMs": 2000}),
            "microtasks": ("export default () => { const f = () => Promise.resolve().then(f); f(); return new Promise(() => {}) }",
                           {"cpuMs": 200, "wallMs": 2000}),
            "memory": ("export default () => { const a = []; while (true) a.push(new Array(1e6).fill(7)) }",
                       {"cpuMs": 5000, "wallMs": 5000, "memoryMb": 64}),
        }
        results = {}
        lock = threading.Lock()

        def go(name, body):
            try:
                r = d.call("POST", "/v1/run", body, timeout=60)
            except Exception as e:  # noqa: BLE001
                r = (0, {"exception": str(e)}, {})
            with lock:
                results[name] = r
        ts = [threading.Thread(target=go, args=(n, {"code": c, "limits": l})) for n, (c, l) in runaways.items()]
        for i in range(30):
            ts.append(threading.Thread(target=go, args=("good%d" % i, {"code": "export default (a, b) => a * b", "args": [i, 3]})))
        for t in ts:
            t.start()
        for t in ts:
            t.join(90)
        for i in range(30):
            s, v, _ = results.get("good%d" % i, (0, {}, {}))
            # A well-behaved worker sharing an executor with a runaway may be answered
            # executor_lost (retriable) when that executor is killed; never a wrong result.
            if s == 503:
                expect(p, err_code(v) == "executor_lost", "good%d: %s" % (i, v))
                s, v, _ = d.call("POST", "/v1/run", {"code": "export default (a, b) => a * b", "args": [i, 3]})
            expect(p, s == 200 and v.get("result") == i * 3, "good%d: %s %s" % (i, s, v))
        allowed = {"cpu_limit_exceeded", "wall_limit_exceeded", "memory_limit_exceeded", "executor_lost"}
        for name in runaways:
            s, v, _ = results.get(name, (0, {}, {}))
            expect(p, (s == 200 and v.get("ok") is False and err_code(v) in allowed) or (s == 503 and err_code(v) == "executor_lost"),
                   "runaway %s: %s %s" % (name, s, v))
    finally:
        d.close()


def case_oversized_frames(_d, p):
    """A result or binding arguments past the executor channel's frame cap fail alone (too_large)
    instead of ending the executor and every invocation it holds (executor_lost)."""
    d = Daemon(executors=1)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BindingServer)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        lim = {"cpuMs": 5000, "wallMs": 20000}
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default () => 'x'.repeat(90 << 20)", "limits": lim})
        expect(p, s == 413 and err_code(v) == "too_large", "a 90 MiB result: %s %s" % (s, v))
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default { fetch() { return new Response(new Uint8Array(70 << 20)) } }", "limits": lim})
        expect(p, s == 413 and err_code(v) == "too_large", "a 70 MiB body: %s %s" % (s, v))
        url = "http://127.0.0.1:%d/rpc" % srv.server_address[1]
        s, v, _ = d.call("POST", "/v1/run", {"code": "export default async (env) => { try { await env.API.sum('x'.repeat(85 << 20)); return 'sent' } catch (e) { return 'rejected: ' + e.message } }",
                                             "env": {"API": {"$http": {"url": url}}}, "limits": lim})
        expect(p, s == 200 and str(v.get("result", "")).startswith("rejected: the arguments of this binding call are too large"),
               "85 MiB of binding arguments: %s %s" % (s, v))
        s, h, raw = d.request("GET", "/metrics")
        expect(p, b"dynworker_executor_restarts_total 0" in raw, "the executor was not lost: %s" %
               [l for l in raw.decode().splitlines() if "restarts" in l])
    finally:
        srv.shutdown()
        d.close()


# Cases that share one daemon, then cases that start their own.
SHARED = [case_run, case_run_errors, case_workers, case_fetch, case_rpc, case_tail, case_health_metrics, case_bindings,
          case_tenants]
OWN = [case_oversized_frames, case_auth, case_caps, case_connections, case_persistence, case_drain, case_executor_killed, case_runaways]


def main():
    shared = {}

    def run(c):
        fn = c["fn"]
        problems = []
        d = None
        if fn in SHARED:
            if "d" not in shared:
                shared["d"] = Daemon()
            d = shared["d"]
        try:
            fn(d, problems)
        except AssertionError as e:
            problems.append(str(e))
        except OSError as e:
            problems.append("%s: %s" % (type(e).__name__, e))
        return problems, "", d.err() if (problems and d) else ""
    cases = [{"name": f.__name__[5:], "fn": f} for f in SHARED + OWN]
    try:
        return run_all(cases, run, ONLY)
    finally:
        if "d" in shared:
            shared["d"].close()


if __name__ == "__main__":
    sys.exit(main())
