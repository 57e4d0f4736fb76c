# known: F6: timeoutSeconds is an idle timeout: headers trickled a byte every 200 ms keep the connection open for as long as the client likes (no deadline for the whole request head)
# why: slowloris: a client sending its headers slowly is cut off
# expect: {"status": null, "code": null}
from rawhttp import exchange, post, healthy


def probe(port, local):
    """Headers one byte every 0.2 s: the connection is closed after timeoutSeconds (3 s)."""
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10 + b"\r\n\r\n"
    r = exchange(port, None, timeout=10, chunks=[req[i:i + 1] for i in range(len(req))], delay=0.2)
    p = [] if r["closed"] and r["seconds"] < 7 and r["status"] is None else ["not cut off within 7 s (twice timeoutSeconds): answered %s after %.1f s" % (r["status"], r["seconds"])]
    if not healthy(port):
        p.append("healthz failed after")
    return {"status": r["status"], "code": r["code"], "problems": p}
