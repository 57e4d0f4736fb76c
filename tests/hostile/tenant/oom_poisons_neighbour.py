# known: F2: after one-shot runs ended in the engine's Out of memory (typed arrays, WebAssembly memories), the fetch handlers of every worker of that tenant in those executors fail with memory_limit_exceeded (RangeError Out of memory) for 20 s and more: nothing collects the garbage or recycles the executor
# why: finding F2: an innocent worker must keep its answers after a neighbour exhausted the executor
# expect: {"status": 200}
import json
import threading

from rawhttp import exchange, post

W = "export default { fetch(req) { const x = Number(new URL(req.url).searchParams.get('x')); return new Response(String(x * x + 1)) } }"
HOG = "export default () => { const a = []; for (;;) a.push(new Uint8Array(1 << 24)) }"


def probe(port, local):
    """One-shot runs fill their executors with typed arrays and WebAssembly memories until the
    engine says Out of memory; a
    registered worker of the same tenant is called afterwards on every executor."""
    put = json.dumps({"code": W, "limits": {"cpuMs": 300}}).encode()
    exchange(port, b"PUT /v1/workers/wasm-victim HTTP/1.1\r\nHost: x\r\nX-Dynworker-Tenant: wasm-t\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(put) + put)
    hog = json.dumps({"code": HOG, "limits": {"cpuMs": 3000, "wallMs": 5000}})
    bad = []
    for attempt in range(4):
        ts = [threading.Thread(target=exchange, args=(port, post("/v1/run", hog, extra=b"X-Dynworker-Tenant: wasm-t\r\n")), kwargs={"timeout": 20}) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        for i in range(6):
            r = exchange(port, b"GET /v1/workers/wasm-victim/fetch?x=%d HTTP/1.1\r\nHost: x\r\nX-Dynworker-Tenant: wasm-t\r\nConnection: close\r\n\r\n" % i, timeout=10)
            if r["status"] != 200 or r["body"] != str(i * i + 1):
                bad.append("%s %s" % (r["status"], r["body"][:80]))
        if bad:
            break
    return {"status": 200, "problems": ["an innocent worker failed %d times after the hogs: %s" % (len(bad), bad[:2])] if bad else []}
