# why: pipelining
# expect: {"status": 200}
from rawhttp import exchange, post, healthy


def probe(port, local):
    """100 pipelined requests in one write: 100 answers, in order."""
    reqs = b"".join(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" for _ in range(99)) + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    r = exchange(port, reqs, timeout=15)
    n = r["raw"].count(b"HTTP/1.1 200")
    return {"status": r["status"], "problems": [] if n == 100 else ["%d answers of 100" % n]}
