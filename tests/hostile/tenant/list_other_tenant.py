# why: a tenant's list holds only its own workers
# expect: {"status": 200}
import json

from rawhttp import exchange


def probe(port, local):
    r = exchange(port, b"GET /v1/workers?limit=1000 HTTP/1.1\r\nHost: x\r\nX-Dynworker-Tenant: tenant-b\r\nConnection: close\r\n\r\n", timeout=5)
    ids = [w["id"] for w in json.loads(r["body"]).get("workers", [])]
    p = [] if "tenant-secret" not in ids and "t-holder" not in ids else ["another tenant's workers listed: %s" % ids]
    return {"status": r["status"], "problems": p}
