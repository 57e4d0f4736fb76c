# why: slowloris: a client sending its headers a byte every 200 ms (each within the idle timeout) is cut off at requestSeconds (2 s) with a 408 it may not get to read
# expect: {"status": [408, null]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    """Headers one byte every 0.2 s (11 s in all): closed after requestSeconds (2 s)."""
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10 + b"\r\n\r\n"
    r = exchange(port, None, timeout=10, chunks=[req[i:i + 1] for i in range(len(req))], delay=0.2)
    p = [] if r["closed"] and r["seconds"] < 7 and r["status"] in (408, None) else ["not cut off within 7 s (twice requestSeconds): answered %s after %.1f s" % (r["status"], r["seconds"])]
    if not healthy(port):
        p.append("healthz failed after")
    return {"status": r["status"], "problems": p}
