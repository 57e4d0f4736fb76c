# why: two tenant headers: refused or one of them, never a mix
# expect: {"status": [400, 200]}
from rawhttp import exchange, post, healthy


import json


def probe(port, local):
    r = exchange(port, b"GET /v1/workers HTTP/1.1\r\nHost: x\r\nX-Dynworker-Tenant: neighbour\r\nX-Dynworker-Tenant: default\r\nConnection: close\r\n\r\n", timeout=5)
    return {"status": r["status"]}
