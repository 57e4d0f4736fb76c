# why: an HTTP/0.9 request
# expect: {"status": [400, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /healthz\r\n\r\n", shut=True)
    return {"status": r["status"]}
