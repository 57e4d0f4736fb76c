# why: a number with 100,000 digits
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", "{\"code\": \"export default (a) => typeof a\", \"args\": [1" + "0" * 100000 + "]}"), timeout=20)
    p = [] if r["status"] == 400 or "number" in r["body"] else ["%s" % r["body"][:200]]
    return {"status": r["status"], "problems": p}
