# why: one header over maxHeaderBytes
# expect: {"status": [400, 431]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 + b"\r\n\r\n")
    return {"status": r["status"]}
