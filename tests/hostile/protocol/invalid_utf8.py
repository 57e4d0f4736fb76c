# why: invalid UTF-8 in the JSON body
# expect: {"status": 400, "code": "bad_request"}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", b"{\"code\": \"export default () => '\xff\xfe\xc3\x28'\"}"), timeout=10)
    return {"status": r["status"], "code": r["code"]}
