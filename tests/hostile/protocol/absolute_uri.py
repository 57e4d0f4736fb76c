# why: an absolute URI in the request line: the daemon is no proxy
# expect: {"status": [200, 400, 404]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET http://169.254.169.254/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=10)
    return {"status": r["status"]}
