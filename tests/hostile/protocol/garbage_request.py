# why: binary garbage instead of a request
# expect: {"status": [400, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    r = exchange(port, b"\x00\xff\xfe GARBAGE \x01\x02\r\n\r\n")
    p = [] if r["closed"] else ["left open"]
    return {"status": r["status"], "problems": p}
