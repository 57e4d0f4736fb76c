"""Starting the real `dynworker serve` on a free port with a temp data dir, for the test
drivers that need a daemon (test_daemon.py, test_faults.py, tests/hostile/run.py,
bench/soak/run.py). Standard library only.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    """{pid: cmdline bytes} of every process whose parent is `pid`."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                out[int(d)] = f.read()
        except (OSError, IndexError, ValueError):
            continue
    return out


def descendants(pid):
    """Pids of every process below `pid` (children first), read from /proc."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children(p):
            found.append(c)
            todo.append(c)
    return found


class Daemon:
    """One `dynworker serve` process; stderr is collected in the background.

    bin: the dynworker binary; env: extra environment variables for the daemon; port: a fixed
    port (for restarting a daemon where its clients expect it), else a free one."""

    def __init__(self, bin, data_dir=None, args=(), config=None, token=None, executors=2,
                 env=None, port=None, wait=30):
        self.bin = bin
        self.tmp = tempfile.TemporaryDirectory(prefix="dw-daemon-")
        self.data_dir = data_dir or os.path.join(self.tmp.name, "data")
        self.port = port or free_port()
        cmd = [bin, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir,
               "--executors", str(executors)]
        if config is not None:
            path = os.path.join(self.tmp.name, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            cmd += ["--config", path]
        if token is not None:
            path = os.path.join(self.tmp.name, "token")
            with open(path, "w") as f:
                f.write(token + "\n")
            cmd += ["--token-file", path]
        cmd += list(args)
        self.cmd = cmd
        self.stderr = []
        self.listening = threading.Event()
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env=full_env)
        threading.Thread(target=self._read, daemon=True).start()
        if wait and not self.listening.wait(wait):
            self.kill()
            raise AssertionError("the daemon did not say it is listening: " + self.err())

    def _read(self):
        for line in self.proc.stderr:
            self.stderr.append(line)
            if "dynworker: listening on http://127.0.0.1:%d " % self.port in line:
                self.listening.set()

    def err(self):
        return "".join(self.stderr)[-2000:]

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def close(self):
        self.kill(signal.SIGTERM)
        self.tmp.cleanup()

    def executors(self):
        """Pids of the daemon's executor processes (children whose cmdline has __executor)."""
        return [p for p, cmd in children(self.proc.pid).items() if b"__executor" in cmd]

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers as a dict of lower-case names, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def json(self, method, path, body=None, headers=None, timeout=60):
        """(status, parsed JSON body or None, headers)."""
        status, hdrs, raw = self.request(method, path, body, headers, timeout)
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        return status, value, hdrs
