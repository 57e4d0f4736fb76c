# why: request smuggling, TE.CL: at most the chunked request and the one after it, each once
# expect: {"status": [400, 200]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    smuggled = b"GET /v1/workers HTTP/1.1\r\nHost: x\r\n\r\n"
    chunk = b"{\"code\": \"export default () => 1\"}"
    body = b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n" + smuggled
    req = (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Length: 4\r\n\r\n" + body)
    r = exchange(port, req, timeout=5, shut=True)
    answers = r["raw"].count(b"HTTP/1.1 ")
    p = [] if answers <= 2 else ["%d answers" % answers]
    return {"status": r["status"], "problems": p}
