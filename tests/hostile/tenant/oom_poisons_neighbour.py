# known: F2: after a one-shot run ended in the engine's Out of memory for ArrayBuffers (typed arrays, WebAssembly memories) as an executor's first work, every fetch handler in that executor fails with memory_limit_exceeded (RangeError Out of memory) for 20 s and more
# why: finding F2: an innocent worker must keep its answers after a neighbour ran out of memory; on a daemon of its own with one executor, so that the hog comes first
# expect: {"status": 200}

import daemon_util

W = "export default { fetch(req) { const x = Number(new URL(req.url).searchParams.get('x')); return new Response(String(x * x + 1)) } }"
HOG = "export default () => { const a = []; for (;;) a.push(new Uint8Array(1 << 24)) }"


def probe(port, local):
    d = daemon_util.Daemon(local.binary, executors=1, config={"executorMemoryMb": 128, "deadlineGraceMs": 1000})
    try:
        s, v, _ = d.json("POST", "/v1/run", {"code": HOG, "limits": {"cpuMs": 3000, "wallMs": 5000}})
        hog = (v or {}).get("error", {}).get("code") if isinstance(v, dict) else None
        d.json("PUT", "/v1/workers/victim", {"code": W})
        bad = []
        for i in range(5):
            s, _, raw = d.request("GET", "/v1/workers/victim/fetch?x=%d" % i, timeout=10)
            if s != 200 or raw != str(i * i + 1).encode():
                bad.append("%s %s" % (s, raw[:100]))
        p = ["the hog ended with %s, not memory_limit_exceeded" % hog] if hog != "memory_limit_exceeded" else []
        if bad:
            p.append("an innocent worker failed %d of 5 calls after the hog: %s" % (len(bad), bad[:1]))
        return {"status": 200, "problems": p}
    finally:
        d.close()
