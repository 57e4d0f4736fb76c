# why: a negative Content-Length
# expect: {"status": [400, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", timeout=5, shut=True)
    return {"status": r["status"]}
