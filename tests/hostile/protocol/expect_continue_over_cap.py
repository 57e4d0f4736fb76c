# why: Expect: 100-continue with a body over the cap
# expect: {"status": 413}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"POST /v1/run HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n", timeout=6)
    return {"status": r["status"]}
