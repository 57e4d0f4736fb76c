# why: tenants see only their own workers: GET /v1/workers/tenant-secret
# expect: {"status": 404, "code": "worker_not_found"}
import json

from rawhttp import exchange


def probe(port, local):
    """A worker registered in tenant other-tenant, addressed from the default tenant."""
    put = json.dumps({"code": "import { WorkerEntrypoint } from 'cloudflare:workers';\nexport default class extends WorkerEntrypoint { secret() { return 'other tenant secret' } fetch() { return new Response('other tenant secret') } }"}).encode()
    exchange(port, b"PUT /v1/workers/tenant-secret HTTP/1.1\r\nHost: x\r\nX-Dynworker-Tenant: other-tenant\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(put) + put)
    r = exchange(port, b"GET /v1/workers/tenant-secret HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]", timeout=5)
    p = ["the other tenant's worker answered"] if "other tenant secret" in r["body"] else []
    return {"status": r["status"], "code": r["code"], "problems": p}
