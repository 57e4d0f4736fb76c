#!/usr/bin/env python3
"""Integration tests of egress in `dynworker run` (docs/EGRESS.md): the real binary, its
--outbound flags, and a local HTTP server on 127.0.0.1 (a random port) that records what it
receives. Usage:
    test_egress.py BUILD/dynworker [CASE-NAME-SUBSTRING...]
Each worker reports what it saw as JSON on stdout; the test also checks what the server saw.
"""
import http.server
import json
import os
import subprocess
import sys
import tempfile
import resource
import threading
import time
import urllib.parse

BIN = os.path.abspath(sys.argv[1])
ONLY = sys.argv[2:]
SECRET = "s3cr3t-Zq7"

SEEN = []  # (method, path, headers dict, body) of every request the server got
SEEN_LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with SEEN_LOCK:
            SEEN.append((self.command, self.path, headers, body))
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
        if u.path == "/redirect":
            self.send_response(int(q.get("status", "302")))
            self.send_header("location", q.get("to", "/redirect"))
            self.send_header("content-length", "0")
            self.end_headers()
            return
        # /echo: what the server got, except the injected secret (a server that echoed a
        # secret back would leak it by its own choice; the runtime must not).
        out = json.dumps({
            "method": self.command, "path": self.path,
            "headers": {k: v for k, v in headers.items() if k != "x-secret"},
            "body": body.decode("latin-1"),
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-server", "echo")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True


SERVER = Server(("127.0.0.1", 0), Handler)
PORT = SERVER.server_address[1]
BASE = f"http://127.0.0.1:{PORT}"
LOCAL = f"http://localhost:{PORT}"
PRIVATE = ["--outbound-allow-private"]

CASES = []


def case(name, code, args=(), exit=0, check=None, stderr_has=(), server=None, cpu=None):
    """code: the main module (it returns its findings as JSON); check(result) -> bool;
    server(requests) -> bool over the requests the server got during the case;
    cpu(cpu_seconds, wall_seconds) -> bool over the run's process."""
    CASES.append(dict(name=name, code=code, args=list(args), exit=exit, check=check,
                      stderr_has=stderr_has, server=server, cpu=cpu))


def worker(body):
    """A root worker whose fetch handler runs `body` (which has BASE, LOCAL in scope) and
    returns its value as JSON; an exception becomes {error, name, code}."""
    return ("const BASE = %s, LOCAL = %s;\n" % (json.dumps(BASE), json.dumps(LOCAL)) +
            "export default { async fetch(request, env, ctx) {\n"
            "  const err = (e) => ({ error: String(e && e.message), name: e && e.name, code: e && e.code });\n"
            "  let out;\n"
            "  try { out = await (async () => {\n" + body + "\n})(); } catch (e) { out = err(e); }\n"
            "  return Response.json(out);\n} };\n")


# ---- Allowed fetches ----------------------------------------------------------------------

case("GET round trip: status, headers, url, body",
     worker("""const r = await fetch(BASE + '/echo?a=1', { headers: { 'x-a': 'one' } });
       return { status: r.status, ok: r.ok, server: r.headers.get('x-server'), url: r.url,
                redirected: r.redirected, j: await r.json() };"""),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["status"] == 200 and r["ok"] and r["server"] == "echo"
     and r["url"] == BASE + "/echo?a=1" and r["redirected"] is False
     and r["j"]["method"] == "GET" and r["j"]["headers"]["x-a"] == "one")
case("POST body and headers round trip (binary too)",
     worker("""const a = await (await fetch(BASE + '/echo', { method: 'POST', body: 'hello \\u00e9',
                 headers: { 'content-type': 'text/plain', 'x-b': 'two' } })).json();
       const b = await (await fetch(BASE + '/echo', { method: 'PUT',
                 body: new Uint8Array([0, 1, 2, 255]) })).json();
       return { a, b: [...b.body].map((c) => c.charCodeAt(0)) };"""),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["a"]["method"] == "POST" and r["a"]["body"] == "hello \u00e9".encode().decode("latin-1")
     and r["a"]["headers"]["x-b"] == "two" and r["a"]["headers"]["content-type"] == "text/plain"
     and r["b"] == [0, 1, 2, 255])
case("'*' allows any host",
     worker("""const a = await fetch(BASE + '/echo').then((r) => r.status, (e) => e.message);
       return { a };"""),
     args=["--outbound", "allow=*"] + PRIVATE, check=lambda r: r["a"] == 200)
case("'*.localhost' matches a subdomain, not the apex",
     worker("""const a = await fetch('http://a.localhost:%d/echo').then((r) => r.status, (e) => e.message);
       const b = await fetch(LOCAL + '/echo').then((r) => r.status, (e) => e.message);
       return { a, b };""" % PORT),
     args=["--outbound", "allow=*.localhost"] + PRIVATE,
     check=lambda r: (r["a"] == 200 or "a.localhost" in r["a"]) and "not in the sandbox's allowed hosts" in r["b"])
case("the injected header reaches the server; the worker never sees it",
     worker("""const req = new Request(BASE + '/echo', { headers: { 'x-secret': 'worker-value' } });
       const r = await fetch(req);
       const text = await r.text();
       const hs = [...r.headers].concat([...req.headers]);
       return { reqHas: req.headers.get('x-secret'), resHas: r.headers.has('x-secret'),
                leaked: text.includes(%s) || JSON.stringify(hs).includes(%s), text };"""
            % (json.dumps(SECRET), json.dumps(SECRET))),
     args=["--outbound", "allow=127.0.0.1", "--outbound-header", "127.0.0.1:X-Secret=" + SECRET] + PRIVATE,
     check=lambda r: r["reqHas"] == "worker-value" and r["resHas"] is False and r["leaked"] is False,
     server=lambda reqs: len(reqs) == 1 and reqs[0][2].get("x-secret") == SECRET)
case("the injected header goes only to its host",
     worker("""return (await (await fetch(LOCAL + '/echo')).json()).headers;"""),
     args=["--outbound", "allow=localhost", "--outbound-header", "127.0.0.1:X-Secret=" + SECRET] + PRIVATE,
     check=lambda r: "x-secret" not in r,
     server=lambda reqs: len(reqs) == 1 and "x-secret" not in reqs[0][2])

case("waiting for a response sleeps in the HTTP client, not in a busy loop",
     worker("""const t = Date.now(); const r = await fetch(BASE + '/slow?ms=1500');
       return { status: r.status, waited: Date.now() - t };"""),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["status"] == 200 and r["waited"] >= 1400,
     cpu=lambda cpu, wall: cpu < wall - 1.0)
case("concurrent fetches all complete",
     worker("""const rs = await Promise.all([...Array(20).keys()].map((i) =>
         fetch(BASE + '/slow?ms=200&i=' + i).then((r) => r.json())));
       return rs.map((j) => j.path);"""),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: sorted(r) == sorted("/slow?ms=200&i=%d" % i for i in range(20)))

# ---- Refusals -----------------------------------------------------------------------------

case("no --outbound: no network",
     worker("""return await fetch(BASE + '/echo').then(() => 'reached');"""),
     check=lambda r: r["name"] == "TypeError" and "no network" in r["error"],
     server=lambda reqs: not reqs)
case("loopback refused without --outbound-allow-private: 127.0.0.1 and localhost",
     worker("""const a = await fetch(BASE + '/echo').catch(err);
       const b = await fetch(LOCAL + '/echo').catch(err);
       return { a, b };"""),
     args=["--outbound", "allow=127.0.0.1,localhost"],
     check=lambda r: r["a"]["code"] == "outbound_blocked" and r["a"]["name"] == "TypeError"
     and "127.0.0.1 is a loopback address" in r["a"]["error"]
     and r["b"]["code"] == "outbound_blocked"
     and "localhost resolves to" in r["b"]["error"] and "loopback" in r["b"]["error"],
     server=lambda reqs: not reqs)
case("private, link-local and metadata literals refused",
     worker("""const out = [];
       for (const u of ['http://10.1.2.3/', 'http://192.168.0.1/', 'http://169.254.169.254/latest/meta-data/',
                        'http://[::1]/', 'http://0x7f.1/'])
         out.push(await fetch(u).then(() => 'reached', (e) => e.code + ': ' + e.message));
       return out;"""),
     args=["--outbound", "allow=*"],
     check=lambda r: all(s.startswith("outbound_blocked: ") for s in r)
     and "metadata" in r[2] and "loopback" in r[4])
case("a host not in the allow-list is refused before any connection",
     worker("""return await fetch(BASE + '/echo').then(() => 'reached', err);"""),
     args=["--outbound", "allow=example.com,*.example.org"] + PRIVATE,
     check=lambda r: r["code"] == "outbound_blocked" and "not in the sandbox's allowed hosts" in r["error"],
     server=lambda reqs: not reqs)
case("other schemes and credentials in the URL are refused",
     worker("""const a = await fetch('ftp://127.0.0.1/').then(() => 'reached', err);
       const b = await fetch('http://u:p@127.0.0.1:1/').then(() => 'reached', err);
       return { a, b };"""),
     args=["--outbound", "allow=*"] + PRIVATE,
     check=lambda r: r["a"]["name"] == "TypeError" and r["b"]["name"] == "TypeError")

# ---- Redirects ----------------------------------------------------------------------------

def redir(to, status=302):
    return "/redirect?" + urllib.parse.urlencode({"to": to, "status": status})


case("a redirect is followed when its target is allowed",
     worker("""const r = await fetch(BASE + %s);
       return { status: r.status, url: r.url, redirected: r.redirected, j: await r.json() };"""
            % json.dumps(redir("/echo?hop=1"))),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["status"] == 200 and r["redirected"] is True
     and r["url"] == BASE + "/echo?hop=1" and r["j"]["path"] == "/echo?hop=1")
case("redirect methods: 303 and a POST's 302 become GET without body; 307 keeps both",
     worker("""const go = async (s) => (await fetch(BASE + '/redirect?status=' + s + '&to=%%2Fecho',
                 { method: 'POST', body: 'b', headers: { 'content-type': 'text/plain' } })).json();
       const [a, b, c] = [await go(303), await go(302), await go(307)];
       return { a: [a.method, a.body, a.headers['content-type'] || null],
                b: [b.method, b.body], c: [c.method, c.body] };"""),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["a"] == ["GET", "", None] and r["b"] == ["GET", ""] and r["c"] == ["POST", "b"])
case("a redirect to a host not in the allow-list is refused",
     worker("""return await fetch(BASE + %s).then(() => 'reached', err);"""
            % json.dumps(redir(LOCAL + "/echo"))),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["code"] == "outbound_blocked" and "localhost is not in the sandbox's allowed hosts" in r["error"],
     server=lambda reqs: len(reqs) == 1 and reqs[0][1].startswith("/redirect"))
case("redirect: 'manual' returns the 3xx, 'error' rejects",
     worker("""const m = await fetch(BASE + %s, { redirect: 'manual' });
       const e = await fetch(BASE + %s, { redirect: 'error' }).then(() => 'reached', err);
       return { m: [m.status, m.headers.get('location'), m.redirected], e };"""
            % (json.dumps(redir("/echo", 301)), json.dumps(redir("/echo")))),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["m"] == [301, "/echo", False] and r["e"]["name"] == "TypeError"
     and "while redirect is 'error'" in r["e"]["error"],
     server=lambda reqs: len(reqs) == 2)
case("more than 20 redirects reject",
     worker("""return await fetch(BASE + '/redirect').then(() => 'reached', err);"""),
     args=["--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["name"] == "TypeError" and "more than 20 redirects" in r["error"],
     server=lambda reqs: len(reqs) == 21)

# ---- Children: inherited egress, null, subrequests, a gateway ------------------------------

CHILD = """export default { async fetch(req, env) {
  const n = Number(new URL(req.url).searchParams.get('n') || 1);
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(await fetch(%s + '/echo?i=' + i, { headers: { 'x-child': '1' } }).then(
      async (r) => (await r.json()).headers,
      (e) => ({ error: e.message, name: e.name, code: e.code })));
  return Response.json(out);
} };""" % json.dumps(BASE)


def parent(spec, n=1):
    # Children get 50 ms of CPU by default: enough here, but not under the sanitizers on a
    # busy machine.
    if "limits" not in spec:
        spec = "limits: { cpuMs: 2000 }" + (", " + spec if spec else "")
    return worker("""const w = env.LOADER.load({ compatibilityDate: '2026-01-01', mainModule: 'c.js',
         modules: { 'c.js': %s }, %s });
       return await (await w.getEntrypoint().fetch('http://child/?n=%d')).json();"""
                  % (json.dumps(CHILD), spec, n))


case("a child with globalOutbound omitted inherits the root's egress",
     parent(""), args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r[0]["x-child"] == "1")
case("a child inherits the refusals too",
     parent(""), args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"],
     check=lambda r: r[0]["code"] == "outbound_blocked" and "loopback" in r[0]["error"])
case("globalOutbound: null refuses",
     parent("globalOutbound: null"), args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r[0]["name"] == "TypeError" and "globalOutbound is null" in r[0]["error"],
     server=lambda reqs: not reqs)
case("subRequests counts each fetch: the third of two rejects",
     parent("limits: { subRequests: 2, cpuMs: 2000 }", 3),
     args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r[0]["x-child"] == "1" and r[1]["x-child"] == "1"
     and r[2]["code"] == "subrequest_limit_exceeded" and "subrequest limit (2)" in r[2]["error"],
     server=lambda reqs: len(reqs) == 2)
case("a gateway stub as globalOutbound adds a header and forwards with fetch()",
     "import { WorkerEntrypoint } from 'cloudflare:workers';\n"
     "export class Gateway extends WorkerEntrypoint {\n"
     "  async fetch(req) {\n"
     "    const r = new Request(req);\n"
     "    r.headers.set('x-gateway', this.ctx.props.tag);\n"
     "    return fetch(r);\n"
     "  }\n}\n" + parent("globalOutbound: ctx.exports.Gateway({ props: { tag: 'gw-1' } })")
     .replace("export default", "const main =", 1) + "export default main;\n",
     args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r[0]["x-gateway"] == "gw-1" and r[0]["x-child"] == "1",
     server=lambda reqs: len(reqs) == 1 and reqs[0][2].get("x-gateway") == "gw-1")

case("a child that dies with a fetch in flight: the request is dropped, the root goes on",
     worker("""const w = env.LOADER.load({ compatibilityDate: '2026-01-01', mainModule: 'c.js',
         modules: { 'c.js': %s } });
       const a = await w.getEntrypoint().fetch('http://child/').then((r) => r.status, err);
       await new Promise((r) => setTimeout(r, 1200));
       const b = await (await fetch(BASE + '/echo?after=1')).json();
       return { a, b: b.path };""" % json.dumps(
         "export default { async fetch() { fetch(%s + '/slow?ms=600'); for (;;) {} } };"
         % json.dumps(BASE))),
     args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r["a"]["code"] == "cpu_limit_exceeded" and r["b"] == "/echo?after=1")

case("a gateway's redirect is followed back through the gateway",
     "import { WorkerEntrypoint } from 'cloudflare:workers';\n"
     "export class Gateway extends WorkerEntrypoint {\n"
     "  async fetch(req) {\n"
     "    if (new URL(req.url).pathname === '/moved') return Response.redirect(%s, 302);\n"
     "    return fetch(req);\n"
     "  }\n}\n" % json.dumps(BASE + "/echo?gw=1") + worker("""
       const w = env.LOADER.load({ compatibilityDate: '2026-01-01', globalOutbound: ctx.exports.Gateway({ props: {} }), limits: { cpuMs: 2000 },
         modules: { 'c.js': "export default { async fetch() { const r = await fetch('http://nowhere.test/moved');" +
           " return Response.json({ s: r.status, u: r.url, red: r.redirected, p: (await r.json()).path }) } }" } });
       return await (await w.getEntrypoint().fetch('http://child/')).json();""")
     .replace("export default", "const main =", 1) + "export default main;\n",
     args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r == {"s": 200, "u": BASE + "/echo?gw=1", "red": True, "p": "/echo?gw=1"})

case("a child may have at most 128 fetches in flight",
     # (CPU: 130 requests made under the sanitizers on a busy machine take more than 50 ms)
     parent("limits: { cpuMs: 3000 }", 1).replace("'http://child/?n=1'", "'http://child/'").replace(json.dumps(CHILD), json.dumps(
         "export default { async fetch() {"
         " const rs = await Promise.allSettled([...Array(130).keys()].map((i) => fetch(%s + '/slow?ms=300&i=' + i)));"
         " return Response.json(rs.map((r) => r.status === 'fulfilled' ? r.value.status : r.reason.code)); } };"
         % json.dumps(BASE))),
     args=["--loader", "LOADER", "--outbound", "allow=127.0.0.1"] + PRIVATE,
     check=lambda r: r.count(200) == 128 and r.count("overloaded") == 2)

# ---- Flags --------------------------------------------------------------------------------

case("--outbound needs allow=", worker("return 1"), args=["--outbound", "example.com"], exit=2,
     stderr_has=["--outbound needs allow=HOST"])
case("--outbound rejects a bad host pattern", worker("return 1"),
     args=["--outbound", "allow=ok.com,a*b.com"], exit=2, stderr_has=["'a*b.com' is not a host"])
case("--outbound-header needs HOST:Name=Value", worker("return 1"),
     args=["--outbound-header", "example.com=x"], exit=2, stderr_has=["HOST:Name=Value"])
case("--outbound-header refuses a bad header name", worker("return 1"),
     args=["--outbound-header", "example.com:Bad Name=x"], exit=2, stderr_has=["--outbound-header"])


def run_case(c):
    with SEEN_LOCK:
        SEEN.clear()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "w.js")
        with open(path, "w") as f:
            f.write(c["code"])
        argv = [BIN, "run", path] + c["args"]
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        p = subprocess.run(argv, capture_output=True, cwd=d, timeout=120)
        r1, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic() - t0
        cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    problems = []
    if p.returncode != c["exit"]:
        problems.append(f"exit {p.returncode}, expected {c['exit']}")
    if SECRET in out or SECRET in err:
        problems.append("the injected secret reached the worker's output")
    if c["check"] is not None:
        try:
            good = c["check"](json.loads(out))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            good = False
        if not good:
            problems.append(f"check failed: {out[:800]!r}")
    if c["cpu"] is not None and not c["cpu"](cpu, wall):
        problems.append(f"used {cpu:.2f} s of CPU in {wall:.2f} s")
    if os.environ.get("DW_TEST_VERBOSE"):
        print(f"     cpu {cpu:.2f} s, wall {wall:.2f} s")
    for s in c["stderr_has"]:
        if s not in err:
            problems.append(f"stderr lacks {s!r}")
    with SEEN_LOCK:
        reqs = list(SEEN)
    if c["server"] is not None and not c["server"](reqs):
        problems.append(f"server check failed: {[(m, pth, h) for m, pth, h, _ in reqs]!r:.800}")
    return problems, err


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from test_run import run_all
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()

    def run(c):
        problems, err = run_case(c)
        return problems, "", err

    status = run_all(CASES, run, ONLY)
    SERVER.shutdown()
    return status


if __name__ == "__main__":
    sys.exit(main())
