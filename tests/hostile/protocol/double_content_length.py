# known: F7: two different Content-Length headers are accepted (libevent takes one): RFC 9112 requires a 400; behind a proxy that reads the other one this is request smuggling
# why: two different Content-Lengths
# expect: {"status": [400]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    req = (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\nContent-Length: 5\r\n\r\n"
           b"{\"code\":\"export default()=>1\"}")
    r = exchange(port, req, timeout=5, shut=True)
    return {"status": r["status"]}
