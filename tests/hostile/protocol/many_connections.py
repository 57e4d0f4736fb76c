# why: 500 connections at once get answers, never a crash or a hang
# expect: {"status": 200}
from rawhttp import exchange, post, healthy


import socket
import threading


def probe(port, local):
    """500 concurrent connections each asking /healthz: every one answered (200 or 503)."""
    res = []
    lock = threading.Lock()

    def one():
        r = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=20)
        with lock:
            res.append(r["status"])
    ts = [threading.Thread(target=one) for _ in range(500)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    bad = [s for s in res if s not in (200, 503)]
    p = [] if len(res) == 500 and not bad else ["%d answers, unexpected %s" % (len(res), bad[:10])]
    return {"status": 200 if not p else None, "problems": p}
