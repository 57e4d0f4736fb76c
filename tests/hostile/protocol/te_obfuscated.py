# why: an obfuscated Transfer-Encoding
# expect: {"status": [400, 200, 411, 501]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    req = (b"POST /v1/run HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\nTransfer-Encoding : xchunked\r\n\r\n"
           b"{\"code\":\"export default()=>1\"}")
    r = exchange(port, req, timeout=5, shut=True)
    return {"status": r["status"]}
