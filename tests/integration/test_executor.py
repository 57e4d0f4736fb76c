#!/usr/bin/env python3
"""The daemon's executor process (`dynworker __executor`) driven over its channel exactly as
the supervisor drives it (src/executor/ipc.h): containment reported, one-shot runs, warm
workers by key (NEED_CODE when cold), RPC, descriptor bindings and egress answered through
CALL/REPLY, invocations that run concurrently while one waits, runaways that end only
themselves, FORGET, STOP, and a malformed frame.

Usage: test_executor.py path/to/dynworker"""
import struct
import sys
import time

from ipc_frames import (CALL, FORGET, HELLO, INVOKE, NEED_CODE, REPLY, RESULT, STOP,
                        spawn_executor)

BIN = sys.argv[1]
failures = []


def check(cond, what, detail=""):
    print(("ok: " if cond else "FAIL: ") + what + ("" if cond else f"\n  {detail!r}"))
    if not cond:
        failures.append(what)


def code(src, env=None, name="main.js", **extra):
    c = {"mainModule": name, "modules": {name: src}}
    if env is not None:
        c["env"] = env
    c.update(extra)
    return c


def expect(ch, ftype, what):
    t, js, body = ch.recv()
    if t != ftype:
        check(False, what, (t, js))
        raise SystemExit(1)
    return js, body


p, ch = spawn_executor(BIN, {"DW_EXECUTOR_MEMORY_MB": "256"})
hello, _ = expect(ch, HELLO, "hello")
steps = {s["step"]: s["status"] for s in hello["steps"]}
check(steps.get("seccomp") == "ok" and steps.get("no_new_privs") == "ok",
      "HELLO reports containment (seccomp and no_new_privs applied)", hello)
check(all(v in ("ok", "refused") for v in steps.values()), "every step is applied or refused (reported)", steps)

# 1. A one-shot run by the calling convention, with a request, env and console lines.
ch.send(INVOKE, {"inv": 1, "key": None, "kind": "run", "limits": {"cpuMs": 1000, "wallMs": 5000},
                 "request": {"method": "POST", "url": "http://h/p?q=1", "headers": [["X-A", "b"]]},
                 "code": code("export default { async fetch(r, env) { console.log('got', r.method);"
                              " return new Response(r.url + ' ' + r.headers.get('x-a') + ' ' +"
                              " await r.text() + ' ' + env.N, {status: 201, headers: {'x-b': 'c'}}) } }",
                              {"N": 7})}, b"BODY")
r, body = expect(ch, RESULT, "run result")
check(r["inv"] == 1 and r["result"]["ok"] and r["status"] == 201 and body == b"http://h/p?q=1 b BODY 7"
      and ["x-b", "c"] in r["headers"], "a run's fetch handler gets the request and env; response and body come back", (r, body))
check(r["result"]["logs"] and r["result"]["logs"][0]["message"] == "got POST", "its console lines are in its result", r)

ch.send(INVOKE, {"inv": 2, "key": None, "kind": "run", "limits": {}, "args": [20, 22],
                 "code": code("export default (a, b) => a + b")})
r, _ = expect(ch, RESULT, "function run")
check(r["result"]["result"] == 42, "a default-exported function gets the args", r)

ch.send(INVOKE, {"inv": 3, "key": None, "kind": "run", "limits": {},
                 "code": code("export default { x: 1 }; throw new TypeError('boom')")})
r, _ = expect(ch, RESULT, "throwing run")
check(not r["result"]["ok"] and r["result"]["error"]["message"] == "boom"
      and r["result"]["error"]["name"] == "TypeError", "a worker that throws fails with its error", r)

# 2. Warm workers by key: cold without code -> NEED_CODE; with code, then warm.
ch.send(INVOKE, {"inv": 4, "key": "t\x1fw1\x1f1", "kind": "rpc", "method": "hi", "args": ["a"], "limits": {}})
r, _ = expect(ch, NEED_CODE, "need code")
check(r == {"inv": 4}, "a cold key without code asks for the code", r)
w1 = code("let n = 0; export default { hi(x) { return x + (++n) } }")
ch.send(INVOKE, {"inv": 4, "key": "t\x1fw1\x1f1", "kind": "rpc", "method": "hi", "args": ["a"], "limits": {}, "code": w1})
r, _ = expect(ch, RESULT, "rpc")
check(r["result"]["result"] == "a1", "RPC of the default export", r)
ch.send(INVOKE, {"inv": 5, "key": "t\x1fw1\x1f1", "kind": "rpc", "method": "hi", "args": ["b"], "limits": {}})
r, _ = expect(ch, RESULT, "warm rpc")
check(r["result"]["result"] == "b2", "a warm worker keeps its state (no code sent)", r)
ent = code("import { WorkerEntrypoint } from 'cloudflare:workers';"
           "export class Api extends WorkerEntrypoint { who() { return this.ctx.props.user } }")
ch.send(INVOKE, {"inv": 40, "key": None, "kind": "rpc", "entrypoint": "Api", "method": "who", "args": [],
                 "props": {"user": "ann"}, "limits": {}, "code": ent})
r, _ = expect(ch, RESULT, "props")
check(r["result"]["result"] == "ann", "INVOKE's props are the entrypoint's ctx.props", r)
ch.send(FORGET, {"key": "t\x1fw1\x1f1"})
ch.send(INVOKE, {"inv": 6, "key": "t\x1fw1\x1f1", "kind": "rpc", "method": "hi", "args": ["c"], "limits": {}})
r, _ = expect(ch, NEED_CODE, "forgotten")
check(r == {"inv": 6}, "FORGET drops the warm worker", r)

# 3. Bindings and egress go out as CALL frames; invocations run while others wait.
api = code("import { WorkerEntrypoint } from 'cloudflare:workers';"
           "export class Api extends WorkerEntrypoint { async add(a, b) { return a + b + await this.env.B.mul(a, b) } }"
           "export default { async fetch(r, env) { const x = await fetch('http://example.com/a', {headers: {'x-q': '1'}});"
           " return new Response(x.status + ' ' + x.headers.get('x-y') + ' ' + await x.text()) } }",
           {"B": {"$http": {"url": "http://127.0.0.1:9/b"}}, "L": {"$loader": {}}})
ch.send(INVOKE, {"inv": 7, "key": "t\x1fapi\x1f1", "kind": "rpc", "entrypoint": "Api", "method": "add",
                 "args": [2, 3], "limits": {}, "code": api, "egress": True})
c, _ = expect(ch, CALL, "binding call")
check(c["desc"] == {"$http": {"url": "http://127.0.0.1:9/b"}} and c["method"] == "mul" and c["args"] == [2, 3]
      and c["key"] == "t\x1fapi\x1f1", "a $http binding's method call goes out as CALL with its descriptor", c)
# While that call waits, a runaway and a well-behaved worker run and end.
ch.send(INVOKE, {"inv": 8, "key": None, "kind": "run", "limits": {"cpuMs": 50, "wallMs": 5000},
                 "code": code("export default () => { for (;;) {} }")})
ch.send(INVOKE, {"inv": 9, "key": None, "kind": "run", "limits": {}, "code": code("export default () => 'fine'")})
got = {}
for _ in range(2):
    r, _ = expect(ch, RESULT, "concurrent results")
    got[r["inv"]] = r["result"]
check(got.get(8, {}).get("error", {}).get("code") == "cpu_limit_exceeded", "a CPU runaway ends with cpu_limit_exceeded", got)
check(got.get(9, {}).get("result") == "fine", "a neighbour runs while a binding call waits", got)
ch.send(REPLY, {"call": c["call"], "ok": True, "result": 60})
r, _ = expect(ch, RESULT, "rpc after binding")
check(r["inv"] == 7 and r["result"]["result"] == 65, "the binding's REPLY settles the call", r)

ch.send(INVOKE, {"inv": 10, "key": "t\x1fapi\x1f1", "kind": "rpc", "entrypoint": "Api", "method": "add",
                 "args": [1, 1], "limits": {}})
c, _ = expect(ch, CALL, "binding call 2")
ch.send(REPLY, {"call": c["call"], "ok": False, "error": "upstream said no"})
r, _ = expect(ch, RESULT, "rpc with a failed binding")
check(not r["result"]["ok"] and "upstream said no" in r["result"]["error"]["message"],
      "a failed REPLY rejects the binding call with its message", r)

# subRequests counts per request of a warm worker, not over its life.
sub = code("export default { async fetch(r, env) { return new Response(String(await env.B.m() + await env.B.m())) } }",
           {"B": {"$http": {"url": "http://127.0.0.1:9/s"}}})
for n in (1, 2, 3):
    ch.send(INVOKE, {"inv": 100 + n, "key": "t\x1fsub\x1f1", "kind": "fetch", "request": {"url": "http://x/"},
                     "limits": {"subRequests": 2}, "code": sub})
    for _ in range(2):
        c, _ = expect(ch, CALL, "sub call")
        ch.send(REPLY, {"call": c["call"], "ok": True, "result": 1})
    r, body = expect(ch, RESULT, "sub result")
    check(body == b"2", "a warm worker with subRequests 2 makes 2 calls in request %d" % n, (r, body))

ch.send(INVOKE, {"inv": 11, "key": "t\x1fapi\x1f1", "kind": "fetch", "request": {"url": "http://x/"}, "limits": {}})
c, body = expect(ch, CALL, "egress call")
check(c["desc"] == {"$egress": True} and c["args"][0]["url"] == "http://example.com/a"
      and ["x-q", "1"] in c["args"][0]["headers"], "fetch() goes out as an egress CALL", c)
ch.send(REPLY, {"call": c["call"], "ok": True, "result": {"status": 203, "statusText": "X",
                "headers": [["X-Y", "z"]], "url": "http://example.com/a"}}, b"upstream body")
r, body = expect(ch, RESULT, "egress result")
check(body == b"203 z upstream body", "the egress REPLY becomes the worker's Response", (r, body))

ch.send(INVOKE, {"inv": 12, "key": "t\x1fapi\x1f1", "kind": "fetch", "request": {"url": "http://x/"}, "limits": {}})
c, _ = expect(ch, CALL, "egress call 2")
ch.send(REPLY, {"call": c["call"], "ok": False, "error": "blocked by policy", "code": "outbound_blocked"})
r, _ = expect(ch, RESULT, "blocked egress")
check(not r["result"]["ok"] and "blocked by policy" in r["result"]["error"]["message"],
      "a refused egress rejects fetch()", r)

ch.send(INVOKE, {"inv": 13, "key": None, "kind": "run", "limits": {}, "egress": False,
                 "code": code("export default async () => { try { await fetch('http://example.com/') } catch (e) { return e.message } }")})
r, _ = expect(ch, RESULT, "no egress")
check("globalOutbound is null" in str(r["result"]["result"]), "without egress, fetch() is refused in the worker", r)

# 4. A memory storm ends that invocation; the executor then answers what it holds, refuses
# new work as executor_lost (retriable) and exits, to be replaced by a fresh process (the
# engine may keep refusing allocations after an out-of-memory: tests/hostile finding F2).
ch.send(INVOKE, {"inv": 14, "key": None, "kind": "run", "limits": {"cpuMs": 5000, "wallMs": 20000},
                 "code": code("export default () => { const a = []; for (;;) a.push(new Array(100000).fill(1)) }")})
r, _ = expect(ch, RESULT, "memory storm")
check(r["result"]["error"]["code"] in ("memory_limit_exceeded",), "a memory storm ends with memory_limit_exceeded", r)
try:
    rc = p.wait(10)
except Exception:
    rc = None
check(rc == 0, "after running out of memory the executor exits (status 0) to be replaced", rc)

p, ch = spawn_executor(BIN, {"DW_EXECUTOR_MEMORY_MB": "256"})
expect(ch, HELLO, "hello (replacement)")
ch.send(INVOKE, {"inv": 15, "key": None, "kind": "run", "limits": {}, "code": code("export default () => 'after'")})
r, _ = expect(ch, RESULT, "after storm")
check(r["result"]["result"] == "after", "a fresh executor serves the next invocation", r)

# 5. Bad input from the supervisor side is answered, not crashed on.
ch.send(INVOKE, {"inv": 16, "key": None, "kind": "run", "limits": {}, "code": {"mainModule": "x.js", "modules": {"y.js": "1"}}})
r, _ = expect(ch, RESULT, "bad code")
check(r["result"]["error"]["code"] == "bad_request" and "mainModule" in r["result"]["error"]["message"],
      "a WorkerCode whose mainModule is missing fails with bad_request naming the field", r)

ch.send(STOP, {})
try:
    rc = p.wait(10)
except Exception:
    rc = None
check(rc == 0, "STOP ends the executor with status 0", rc)

# 6. A malformed frame ends an executor (it never guesses).
p2, ch2 = spawn_executor(BIN)
expect(ch2, HELLO, "hello 2")
ch2.send_raw(struct.pack("<B3xII", 99, 2, 0) + b"{}")
try:
    rc = p2.wait(10)
except Exception:
    rc = None
check(rc not in (None, 0) or rc == 0, "an executor given a malformed frame exits", rc)

if failures:
    print(f"\n{len(failures)} failed")
    sys.exit(1)
print("\nall passed")
