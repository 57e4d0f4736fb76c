"""Raw-socket helpers for the protocol cases of the hostile corpus (tests/hostile/protocol/*.py)."""
import json
import socket
import time


def parse(data):
    """(status or None, headers dict, body text) of the first HTTP answer in `data`."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = None
    if lines and lines[0].startswith(b"HTTP/"):
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            status = None
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return status, hdrs, body.decode("utf-8", "replace")


def exchange(port, data, timeout=10, chunks=None, delay=0.0, shut=False):
    """Sends `data` (or the list `chunks`, `delay` s apart) and reads until the peer closes
    or `timeout`. Returns {"status", "headers", "body", "raw", "closed", "seconds"}."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t0 = time.time()
    out = b""
    closed = False
    try:
        for c in (chunks if chunks is not None else [data]):
            try:
                s.sendall(c)
            except OSError:
                closed = True
                break
            if delay:
                time.sleep(delay)
        if shut:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(max(0.1, timeout - (time.time() - t0)))
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not b:
                closed = True
                break
            out += b
    finally:
        s.close()
    status, hdrs, body = parse(out)
    code = None
    try:
        code = (json.loads(body).get("error") or {}).get("code")
    except (ValueError, AttributeError):
        pass
    return {"status": status, "headers": hdrs, "body": body, "raw": out, "closed": closed,
            "seconds": time.time() - t0, "code": code}


def post(path, body, ctype="application/json", extra=b""):
    """A complete POST request with Content-Length and Connection: close."""
    if isinstance(body, str):
        body = body.encode()
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype.encode() +
            b"\r\nConnection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


def healthy(port):
    r = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
    return r["status"] == 200
