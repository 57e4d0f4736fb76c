# why: a body sent slowly: cut off at requestSeconds (2 s) with a 408 (which the client, still sending, may not get to read), no worker started
# expect: {"status": [408, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    head = b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    # 40 bytes 0.25 s apart: 10 s, each byte within the 3 s idle timeout.
    r = exchange(port, None, timeout=14, chunks=[head] + [b"{"] * 40, delay=0.25)
    p = [] if r["closed"] and r["seconds"] < 7 else ["not cut off within 7 s: %.1f s" % r["seconds"]]
    return {"status": r["status"], "problems": p}
