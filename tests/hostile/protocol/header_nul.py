# why: a NUL inside a header value
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\nConnection: close\r\n\r\n", timeout=5)
    return {"status": r["status"]}
