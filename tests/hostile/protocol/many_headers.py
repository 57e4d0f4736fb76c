# why: 20,000 small headers
# expect: {"status": [400, 431]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    hs = b"".join(b"X-H%d: v\r\n" % i for i in range(20000))
    r = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hs + b"\r\n")
    return {"status": r["status"]}
