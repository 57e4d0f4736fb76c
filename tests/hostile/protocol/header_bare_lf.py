# why: bare LF line endings
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n", timeout=5)
    return {"status": r["status"]}
