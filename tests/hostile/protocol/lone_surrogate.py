# why: a lone surrogate escape in the code
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", "{\"code\": \"export default () => '\\ud800' + 'x'\"}"), timeout=10)
    return {"status": r["status"]}
