# why: an unknown HTTP version
# expect: {"status": [400, 505, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", shut=True)
    return {"status": r["status"]}
