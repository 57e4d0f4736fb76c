# why: a tenant name with path characters
# expect: {"status": 400, "code": "bad_request"}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /v1/workers HTTP/1.1\r\nHost: x\r\nX-Dynworker-Tenant: ../default\r\nConnection: close\r\n\r\n", timeout=5)
    return {"status": r["status"], "code": r["code"]}
