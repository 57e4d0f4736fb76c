# why: duplicate keys: refused or one consistent choice
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", "{\"code\": \"export default () => 1\", \"code\": \"export default () => 2\"}"), timeout=10)
    p = [] if r["status"] == 400 or "\"result\":1" in r["body"] or "\"result\":2" in r["body"] else [r["body"][:200]]
    return {"status": r["status"], "problems": p}
