# why: a NUL inside the code: refused or kept, never a truncated program
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", "{\"code\": \"export default () => 'a\\u0000b'.length\"}"), timeout=10)
    p = [] if r["status"] == 400 or "\"result\":3" in r["body"] else ["%s" % r["body"][:200]]
    return {"status": r["status"], "problems": p}
