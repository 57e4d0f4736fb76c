# why: a traversal in a worker id
# expect: {"status": [400, 404]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"GET /v1/workers/..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=10)
    p = [] if "root:" not in r["body"] else ["/etc/passwd in the answer"]
    return {"status": r["status"], "problems": p}
