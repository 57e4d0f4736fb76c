# why: a worker id with a NUL
# expect: {"status": [400, 404]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"PUT /v1/workers/a%00b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", timeout=10)
    return {"status": r["status"]}
