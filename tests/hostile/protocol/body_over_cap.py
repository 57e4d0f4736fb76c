# why: a body over maxBodyBytes (4 MiB here)
# expect: {"status": 413}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, post("/v1/run", b"{\"code\": \"" + b"x" * (5 << 20) + b"\"}"), timeout=20)
    p = [] if healthy(port) else ["healthz failed after"]
    return {"status": r["status"], "problems": p}
