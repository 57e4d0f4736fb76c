# why: a JSON bomb: 200,000 levels of nesting
# expect: {"status": 400, "code": "bad_request"}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", "{\"code\": \"export default (a) => 1\", \"args\": [" + "[" * 200000 + "]" * 200000 + "]}"), timeout=20)
    return {"status": r["status"], "code": r["code"]}
