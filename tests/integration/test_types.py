#!/usr/bin/env python3
"""Integration tests of `dynworker types --config FILE`: the real binary against fake MCP
servers (fake_mcp.py, stdio, newline-delimited JSON-RPC), as a user runs it. Usage:
    test_types.py BUILD/dynworker
"""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_mcp.py")
PY = sys.executable
failures = []


def server(mode, *extra, env=None):
    s = {"command": PY, "args": [FAKE, mode, *extra]}
    if env is not None:
        s["env"] = env
    return s


def run(config, *args, timeout_ms=None, raw=None):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "mcp.json")
        with open(path, "w") as f:
            f.write(raw if raw is not None else json.dumps(config))
        env = dict(os.environ, DW_TEST_NOT_PASSED="1")
        if timeout_ms:
            env["DW_MCP_TIMEOUT_MS"] = str(timeout_ms)
        t0 = time.monotonic()
        try:
            p = subprocess.run([BIN, "types", "--config", path, *args], capture_output=True,
                               text=True, env=env, timeout=30)
        except subprocess.TimeoutExpired as e:  # a hang, or a leftover holding our pipes
            return None, str(e.stdout or ""), f"TIMEOUT: {e}", time.monotonic() - t0
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures.append(name)
        print("     " + detail.replace("\n", "\n     "))


GOOD_LINES = [
    "declare namespace weather {",
    '/** Current weather for a city. */ function get_weather(input: { /** City name */ city: string; '
    'units?: "metric" | "imperial" }): Promise<{ tempC: number; tags?: string[] }>;',
    "/** Open an issue. */ function create_issue("                   # from page 2
    "input: { title: string; labels?: CreateIssueInputLabel[] }): Promise<unknown>;",  # $defs/$ref
    "interface CreateIssueInputLabel { name: string; color?: string }",
]

# 1. A good server: both pages, the schemas' objects, enums, arrays, $refs and descriptions;
# its env arrives and ours does not.
good = {"mcpServers": {"weather": server("good", "--check-env", env={"FAKE_GIVEN": "yes"})}}
rc, out, err, _ = run(good)
lines = out.splitlines()
check("good server: exit 0", rc == 0, f"rc={rc}\nstderr={err}")
for want in GOOD_LINES:
    check(f"good server: stdout has {want.strip()!r}", want in lines, out)

rc, out, err, _ = run(good, "--compact")
check("--compact: one line per declaration, no doc comments",
      rc == 0 and "/**" not in out and
      any(l.strip().startswith("function get_weather(") for l in out.splitlines()), out + err)

rc, out, err, _ = run(good, "--names-only")
check("--names-only: functions without their interfaces",
      rc == 0 and "get_weather" in out and "create_issue" in out and "interface" not in out,
      out + err)

rc, out, err, _ = run({"mcpServers": {"weather": server("good", "--check-env")}})
check("env: the caller's environment is not passed, only the config's",
      rc == 1 and "server 'weather'" in err and "exited with status 4" in err, err)

# 2. Failing servers next to a good one: exit 1, each named with what went wrong, the good
# server's API still printed; a silent server costs one short timeout, and is killed.
mixed = {"mcpServers": {
    "crashy": server("crash"),
    "weather": server("good"),
    "junk": server("garbage"),
    "slow": server("silent"),
    "err": server("error"),
    "flood": server("flood"),
    "missing": {"command": "/nonexistent/mcp-server"},
    "remote": {"url": "http://127.0.0.1:9/mcp"},  # Streamable HTTP; nothing listens there
}}
rc, out, err, secs = run(mixed, timeout_ms=700)
check("mixed: exit 1", rc == 1, f"rc={rc}\n{err}")
check("mixed: the good server's API is still printed",
      all(w in out.splitlines() for w in GOOD_LINES), out)
for want in ["server 'crashy': the server exited with status 3 before answering initialize",
             "server 'junk': malformed JSON-RPC message",
             "server 'slow': no answer to initialize within 700 ms",
             "server 'flood': the server did not read its input within 700 ms",
             "server 'err': tools/list failed: JSON-RPC error -32000: no tools today",
             "server 'missing': cannot run '/nonexistent/mcp-server'",
             "server 'remote': upstream 'remote' (HTTP): could not connect"]:
    check(f"mixed: stderr has {want!r}", want in err, err)
check("mixed: failing servers do not print namespaces",
      "namespace crashy" not in out and "namespace slow" not in out, out)
check(f"mixed: done in {secs:.1f} s (< 8 s; one 0.7 s timeout)", secs < 8)

# 2b. What a hung server started (a launcher's child) is killed with it.
with tempfile.TemporaryDirectory() as d:
    pidfile = os.path.join(d, "pid")
    rc, out, err, _ = run({"mcpServers": {"slow": server("silent", "--pidfile", pidfile)}},
                          timeout_ms=700)
    pid = int(open(pidfile).read())
    alive = False
    for _ in range(50):
        try:
            with open(f"/proc/{pid}/stat") as f:
                alive = f.read().split(") ")[1][0] != "Z"
        except FileNotFoundError:
            alive = False
        if not alive:
            break
        time.sleep(0.02)
    if alive:
        os.kill(pid, 9)
    check("hung server: exit 1 and its child process is killed too", rc == 1 and not alive,
          f"rc={rc} alive={alive}\n{err}")

rc, out, err, _ = run({"mcpServers": {"remote": {"url": "http://127.0.0.1:9/mcp"}}})
check("url only, unreachable: exit 1 and a message", rc == 1 and "server 'remote'" in err,
      f"rc={rc}\n{err}")
rc, out, err, _ = run({"mcpServers": {"remote": {"url": "ftp://example.com/mcp"}}})
check("url that is not http(s): exit 1 and a message", rc == 1 and "must be an http(s) URL" in err,
      f"rc={rc}\n{err}")

# 3. Bad usage and bad configs: exit 2 and a message naming the problem.
for name, raw, want in [
        ("not JSON", "{nope", "is not valid JSON"),
        ("no mcpServers", '{"servers": {}}', 'needs an "mcpServers" object'),
        ("no command", '{"mcpServers": {"a": {"args": []}}}', "server 'a' needs a \"command\""),
        ("args not strings", '{"mcpServers": {"a": {"command": "x", "args": [1]}}}',
         "\"args\" must be an array of strings"),
        ("env not strings", '{"mcpServers": {"a": {"command": "x", "env": {"K": 1}}}}',
         "env 'K' must be a string"),
        ("server not an object", '{"mcpServers": {"a": 3}}', "server 'a' must be an object")]:
    rc, out, err, _ = run(None, raw=raw)
    check(f"bad config ({name}): exit 2, says {want!r}", rc == 2 and want in err and out == "",
          f"rc={rc}\n{err}")

p = subprocess.run([BIN, "types", "--config", "/nonexistent/mcp.json"], capture_output=True,
                   text=True)
check("unreadable config: exit 2, names the file",
      p.returncode == 2 and "cannot read /nonexistent/mcp.json" in p.stderr, p.stderr)
p = subprocess.run([BIN, "types"], capture_output=True, text=True)
check("no --config: exit 2", p.returncode == 2 and "--config FILE is required" in p.stderr,
      p.stderr)
p = subprocess.run([BIN, "types", "--help"], capture_output=True, text=True)
check("--help: exit 0, usage on stdout", p.returncode == 0 and "usage: dynworker types" in p.stdout)
p = subprocess.run([BIN, "--help"], capture_output=True, text=True)
check("dynworker --help lists types", "types --config FILE" in p.stdout)
p = subprocess.run([BIN, "types", "--config", "x"], capture_output=True, text=True,
                   env=dict(os.environ, DW_MCP_TIMEOUT_MS="soon"))
check("bad DW_MCP_TIMEOUT_MS: exit 2", p.returncode == 2 and "DW_MCP_TIMEOUT_MS" in p.stderr)

print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
