# why: a method that is not a token
# expect: {"status": [400, 405, 501, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"G(E)T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", shut=True)
    return {"status": r["status"]}
