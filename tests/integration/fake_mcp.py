#!/usr/bin/env python3
"""A tiny fake MCP server over stdio (newline-delimited JSON-RPC 2.0) for test_types.py.
MODE (argv[1]): good (2 pages of tools), crash (exits on initialize), garbage (prints junk),
silent (never answers), flood (5000 requests,
never reading the answers), error (JSON-RPC error to tools/list).
--pidfile PATH: start a `sleep 60` child and write its pid to PATH.
--check-env: exit 4 unless FAKE_GIVEN=yes is set and DW_TEST_NOT_PASSED is not."""
import json
import os
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "good"

if "--check-env" in sys.argv:
    # the config's env arrives; the caller's other variables do not (a minimal environment)
    if os.environ.get("FAKE_GIVEN") != "yes" or "DW_TEST_NOT_PASSED" in os.environ:
        sys.stderr.write("fake_mcp: wrong environment\n")
        sys.exit(4)

if "--pidfile" in sys.argv:
    # a launcher's child (as npx starts node): it must die with the server
    import subprocess
    child = subprocess.Popen(["sleep", "60"])
    with open(sys.argv[sys.argv.index("--pidfile") + 1], "w") as f:
        f.write(str(child.pid))

PAGE1 = [
    {"name": "get_weather", "description": "Current weather for a city.",
     "inputSchema": {"type": "object", "properties": {
         "city": {"type": "string", "description": "City name"},
         "units": {"type": "string", "enum": ["metric", "imperial"]}},
         "required": ["city"]},
     "outputSchema": {"type": "object", "properties": {
         "tempC": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}},
         "required": ["tempC"]}},
]
PAGE2 = [
    {"name": "create-issue", "description": "Open an issue.",
     "inputSchema": {"type": "object", "$defs": {"Label": {"type": "object", "properties": {
         "name": {"type": "string"}, "color": {"type": "string"}}, "required": ["name"]}},
         "properties": {"title": {"type": "string"},
                        "labels": {"type": "array", "items": {"$ref": "#/$defs/Label"}}},
         "required": ["title"]}},
]


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        continue  # a notification
    if MODE == "silent":
        time.sleep(60)
    if method == "initialize":
        if MODE == "crash":
            sys.stderr.write("fake_mcp: crashing on purpose\n")
            sys.exit(3)
        if MODE == "flood":  # requests to the client, never reading its answers
            for i in range(5000):
                send({"jsonrpc": "2.0", "id": f"r{i}", "method": "ping"})
            time.sleep(60)
        if MODE == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
            continue
        assert msg["params"]["protocolVersion"] == "2025-06-18"
        assert msg["params"]["clientInfo"]["name"] == "dynworker"
        send({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "hi"}})
        send({"jsonrpc": "2.0", "id": mid, "result": {"protocolVersion": "2025-06-18",
              "capabilities": {"tools": {}}, "serverInfo": {"name": "fake", "version": "1"}}})
    elif method == "tools/list":
        if MODE == "error":
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32000, "message": "no tools today"}})
            continue
        # a server request interleaved: the client must answer "method not found"
        send({"jsonrpc": "2.0", "id": "srv-1", "method": "roots/list"})
        reply = json.loads(sys.stdin.readline())
        assert reply.get("id") == "srv-1" and reply["error"]["code"] == -32601, reply
        cursor = (msg.get("params") or {}).get("cursor")
        if cursor is None:
            send({"jsonrpc": "2.0", "id": mid, "result": {"tools": PAGE1, "nextCursor": "p2"}})
        else:
            assert cursor == "p2", cursor
            send({"jsonrpc": "2.0", "id": mid, "result": {"tools": PAGE2}})
    else:
        send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "method not found"}})
