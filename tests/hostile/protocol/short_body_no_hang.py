# why: a truncated body: 408 at requestSeconds (2 s), no hang
# expect: {"status": 408}
from rawhttp import exchange, post, healthy


def probe(port, local):
    """A body shorter than its Content-Length, then silence: 408 and closed, no hang."""
    r = exchange(port, b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"code\"", timeout=10)
    p = [] if r["closed"] and r["seconds"] < 9 else ["not closed: %.1f s" % r["seconds"]]
    return {"status": r["status"], "problems": p}
