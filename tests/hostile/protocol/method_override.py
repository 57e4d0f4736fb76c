# why: no method override header
# expect: {"status": [405, 404, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"DELETE /v1/run HTTP/1.1\r\nHost: x\r\nX-HTTP-Method-Override: POST\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", timeout=5)
    return {"status": r["status"]}
