# known: F6: a body trickled a byte every 250 ms is never cut off
# why: a body sent slowly: cut off, no worker started
# expect: {"status": null}
from rawhttp import exchange, post, healthy


def probe(port, local):
    head = b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    r = exchange(port, None, timeout=9, chunks=[head] + [b"{"] * 32, delay=0.25)
    p = [] if r["closed"] and r["seconds"] < 7 else ["not cut off within 7 s: %.1f s" % r["seconds"]]
    return {"status": r["status"], "problems": p}
