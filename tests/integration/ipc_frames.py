"""The supervisor <-> executor frames (src/executor/ipc.h), for tests that drive an
executor directly as the supervisor would."""
import json
import os
import socket
import struct
import subprocess

HELLO, INVOKE, NEED_CODE, RESULT, CALL, REPLY, FORGET, STOP = range(1, 9)


def spawn_executor(binary, env=None):
    """Starts `binary __executor` with one end of a socketpair as its fd 3."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = theirs.fileno()

    def child():
        os.dup2(fd, 3)
        os.set_inheritable(3, True)

    e = {"PATH": "/usr/bin:/bin"}
    e.update(env or {})
    p = subprocess.Popen([binary, "__executor"], preexec_fn=child, pass_fds=(3,),
                         env=e, stderr=subprocess.PIPE)
    theirs.close()
    return p, Channel(ours)


class Channel:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, ftype, obj, body=b""):
        js = json.dumps(obj).encode()
        self.sock.sendall(struct.pack("<B3xII", ftype, len(js), len(body)) + js + body)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("the executor closed its channel")
            self.buf += chunk

    def recv(self, timeout=30):
        self.sock.settimeout(timeout)
        self._need(12)
        ftype, jl, bl = struct.unpack("<B3xII", self.buf[:12])
        self._need(12 + jl + bl)
        js = json.loads(self.buf[12:12 + jl])
        body = self.buf[12 + jl:12 + jl + bl]
        self.buf = self.buf[12 + jl + bl:]
        return ftype, js, body
