# why: a Content-Length beyond any integer
# expect: {"status": [413, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}", timeout=6)
    return {"status": r["status"]}
