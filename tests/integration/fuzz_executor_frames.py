#!/usr/bin/env python3
"""A mutation fuzzer for what the supervisor sends an executor (src/executor/server.c, ipc.c):
the real `dynworker __executor` over its channel (ipc_frames.py), fed frames made from valid
INVOKE / REPLY / FORGET / STOP frames by JSON-level mutations (fields dropped, retyped, made
huge or deep; odd keys, kinds, limits, modules, requests, args) and byte-level ones (bytes
flipped, lengths wrong, unknown frame types, truncation). The supervisor is trusted, so an
executor may refuse a malformed frame by ending; what it must never do is die of a signal
(a crash, an abort, a sanitizer report) or hang: after each frame it must answer, ask, stay
quiet and alive, or exit with a status. Not libFuzzer (the executor contains itself and runs
the engine: no in-process target), so seeded and time-boxed; a failure prints the seed and
the frame.

Usage: fuzz_executor_frames.py path/to/dynworker [SECONDS] [SEED]
"""
import json
import os
import random
import select
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ipc_frames import FORGET, INVOKE, REPLY, STOP, spawn_executor  # noqa: E402

BIN = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 20
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else int(time.time())

SEEDS = [
    {"inv": 1, "key": None, "kind": "run", "limits": {"cpuMs": 50, "wallMs": 300}, "args": [1, 2],
     "code": {"mainModule": "main.js", "modules": {"main.js": "export default (a, b) => a + b"}}},
    {"inv": 2, "key": None, "kind": "run", "limits": {"cpuMs": 50, "wallMs": 300},
     "request": {"method": "POST", "url": "http://h/p?q=1", "headers": [["X-A", "b"]]},
     "code": {"mainModule": "main.js", "modules": {"main.js": "export default { fetch(r) { return new Response(r.url) } }"},
              "env": {"N": 7, "B": {"$http": {"url": "http://127.0.0.1:9/"}}}}},
    {"inv": 3, "key": "t\x1fw\x1f1", "kind": "rpc", "method": "hi", "args": ["a"], "limits": {"cpuMs": 50, "wallMs": 300},
     "code": {"mainModule": "m.js", "modules": {"m.js": "export default { hi(x) { return x } }", "d.json": {"json": {"a": 1}},
                                                "t.txt": {"text": "t"}, "b.bin": {"data": "AAEC"}}}},
    {"inv": 4, "key": "t\x1fw\x1f1", "kind": "fetch", "limits": {"wallMs": 300}, "entrypoint": "Api", "props": {"p": 1}},
    {"call": 1, "ok": True, "result": {"x": 1}},
    {"call": 2, "ok": False, "error": "no"},
    {"key": "t\x1fw\x1f1"},
    {},
]
TYPES = {INVOKE: [0, 1, 2, 3], REPLY: [4, 5], FORGET: [6], STOP: [7]}
ODD = [None, True, 0, -1, 2**63, 2**64 + 5, 1e308, -0.0, "", "x" * 5000, "\u0000", "\ud7ff\ue000", [], {}, [[[[[]]]]],
       {"$http": {"url": 5}}, {"$worker": None}, {"$loader": []}, "http://169.254.169.254/", "..", "\x1f\x1f"]


def mutate_json(rnd, v, depth=0):
    if isinstance(v, dict) and v and rnd.random() < 0.7:
        v = dict(v)
        k = rnd.choice(list(v))
        r = rnd.random()
        if r < 0.25:
            del v[k]
        elif r < 0.6:
            v[k] = rnd.choice(ODD)
        elif r < 0.8 and depth < 4:
            v[k] = mutate_json(rnd, v[k], depth + 1)
        else:
            v[rnd.choice(["inv", "key", "kind", "code", "limits", "args", "request", "method", "entrypoint", "props",
                          "body", "call", "ok", "result", "error", rnd.choice(list(v)) + "x"])] = rnd.choice(ODD)
        return v
    if isinstance(v, list) and v and rnd.random() < 0.5:
        v = list(v)
        v[rnd.randrange(len(v))] = mutate_json(rnd, rnd.choice(v), depth + 1) if depth < 4 else rnd.choice(ODD)
        return v
    return rnd.choice(ODD)


def make_frame(rnd):
    ftype = rnd.choice(list(TYPES))
    obj = json.loads(json.dumps(SEEDS[rnd.choice(TYPES[ftype])]))
    for _ in range(rnd.randrange(0, 4)):
        obj = mutate_json(rnd, obj)
    js = json.dumps(obj).encode()
    body = b"" if rnd.random() < 0.7 else os.urandom(rnd.randrange(0, 64))
    r = rnd.random()
    if r < 0.1:
        ftype = rnd.randrange(0, 256)
    if r < 0.2 and js:
        b = bytearray(js)
        for _ in range(rnd.randrange(1, 4)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        js = bytes(b)
    jl, bl = len(js), len(body)
    if 0.2 <= r < 0.25:
        jl = rnd.choice([0, jl + 1, jl - 1 if jl else 0, 2**32 - 1, 80 << 20])
    if 0.25 <= r < 0.28:
        bl = rnd.choice([bl + 7, 2**32 - 1, 64 << 20])
    return struct.pack("<B3xII", ftype & 0xFF, jl & 0xFFFFFFFF, bl & 0xFFFFFFFF) + js + body


def main():
    rnd = random.Random(SEED)
    end = time.time() + SECONDS
    frames = spawns = 0
    p = ch = None
    problems = []
    while time.time() < end and not problems:
        if p is None or p.poll() is not None:
            if p is not None:
                p.stderr.close()
            p, ch = spawn_executor(BIN, {"DW_EXECUTOR_MEMORY_MB": "128"})
            spawns += 1
            ch.recv()  # HELLO
        f = make_frame(rnd)
        frames += 1
        try:
            ch.send_raw(f)
        except OSError:
            pass
        # Read what comes (answers, NEED_CODE, CALLs) for a moment; the executor may also end.
        deadline = time.time() + 0.3
        closed = False
        while time.time() < deadline:
            r, _, _ = select.select([ch.sock], [], [], 0.05)
            if r:
                try:
                    data = ch.sock.recv(1 << 20)
                except OSError:
                    data = b""
                if not data:
                    closed = True
                    break
            elif p.poll() is not None:
                break
        if closed:
            # It closed its channel: it must end (with a status), not linger.
            try:
                p.wait(10)
            except Exception:  # noqa: BLE001
                problems.append("the executor closed its channel but did not exit (seed %d, frame %d): %r" % (SEED, frames, f[:400]))
                p.kill()
                p.wait()
        rc = p.poll()
        if rc is not None and rc < 0:
            problems.append("the executor died of signal %d (seed %d, frame %d): %r\n%s" %
                            (-rc, SEED, frames, f[:400], p.stderr.read().decode(errors="replace")[-1500:]))
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait()
    print("fuzz_executor_frames: %d frames, %d executors, %.0f s, seed %d" % (frames, spawns, SECONDS, SEED))
    for pr in problems:
        print("FAIL " + pr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
