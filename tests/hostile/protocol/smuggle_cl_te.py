# why: request smuggling, CL.TE
# expect: {"status": [400, 200]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    """Content-Length and Transfer-Encoding together (CL.TE): the smuggled second request must
    not be answered as a request of its own."""
    smuggled = b"GET /v1/workers HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b"0\r\n\r\n" + smuggled
    req = (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" + body)
    r = exchange(port, req, timeout=5, shut=True)
    answers = r["raw"].count(b"HTTP/1.1 ")
    p = [] if answers <= 1 else ["%d answers: the smuggled request was answered: %r" % (answers, r["raw"][:400])]
    return {"status": r["status"], "problems": p}
