# why: stalled connections do not starve others
# expect: {"status": 200}
from rawhttp import exchange, post, healthy


import socket


def probe(port, local):
    """200 connections that send half a request and stall; /healthz still answers at once."""
    socks = []
    for _ in range(200):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            break
    r = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
    for s in socks:
        s.close()
    p = [] if len(socks) == 200 else ["only %d connections opened" % len(socks)]
    if r["seconds"] > 2:
        p.append("healthz took %.1f s" % r["seconds"])
    return {"status": r["status"], "problems": p}
