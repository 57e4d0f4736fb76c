# why: a request line over maxHeaderBytes
# expect: {"status": [400, 414]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    return {"status": r["status"]}
