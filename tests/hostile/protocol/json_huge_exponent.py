# why: exponents beyond a double
# expect: {"status": [200, 400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", "{\"code\": \"export default (a) => String(a)\", \"args\": [1e999999999, -1e-999999999]}"), timeout=20)
    return {"status": r["status"]}
