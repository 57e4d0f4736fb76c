# why: two different Content-Lengths: refused (400) and the connection closed, so that the bytes after the shorter length are never read as a request of their own
# expect: {"status": [400]}
from rawhttp import exchange


def probe(port, local):
    # libevent frames by the first length: a valid body; a proxy that took the second would
    # forward the rest as a request of its own.
    body = b"{\"code\":\"export default()=>1\"}"
    req = b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nContent-Length: 5\r\n\r\n" % len(body) + body
    r = exchange(port, req, timeout=5)
    answers = r["raw"].count(b"HTTP/1.1 ")
    p = [] if answers == 1 and r["closed"] and "Content-Length" in r["body"] else ["%d answers (closed: %s): %r" % (answers, r["closed"], r["raw"][:300])]
    return {"status": r["status"], "problems": p}
