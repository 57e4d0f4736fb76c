# why: a chunk size that overflows 64 bits
# expect: {"status": [400, 413, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"POST /v1/run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nab\r\n0\r\n\r\n", timeout=6, shut=True)
    return {"status": r["status"]}
