#!/usr/bin/env python3
"""A small stdio MCP server for the Code Mode tests: tools that answer in each result form
(structuredContent, JSON text, plain text, isError), one that sleeps, and one that kills the
server in the middle of a call (an upstream that dies mid-call). Each start appends a line to
$FAKE_STARTS (when set), so a test can see a restart."""
import json
import os
import sys
import time

if os.environ.get("FAKE_STARTS"):
    with open(os.environ["FAKE_STARTS"], "a") as f:
        f.write("start\n")

TOOLS = [
    {"name": "add", "description": "Adds two numbers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"], "additionalProperties": False}},
    {"name": "echo", "description": "Returns its input as structured content.",
     "inputSchema": {"type": "object", "properties": {"value": {}}}},
    {"name": "create_events", "description": "Creates calendar events.",
     "inputSchema": {"type": "object", "properties": {"events": {"type": "array", "items": {
         "type": "object", "properties": {"title": {"type": "string"}, "start": {"type": "string"}},
         "required": ["title", "start"]}}}, "required": ["events"]}},
    {"name": "greet", "description": "Plain text answer.",
     "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}}},
    {"name": "fail", "description": "Always fails (isError).", "inputSchema": {"type": "object"}},
    {"name": "sleep", "description": "Sleeps ms milliseconds.",
     "inputSchema": {"type": "object", "properties": {"ms": {"type": "integer", "minimum": 0}}}},
    {"name": "die", "description": "Exits in the middle of the call.", "inputSchema": {"type": "object"}},
    {"name": "big", "description": "Returns n bytes of text.",
     "inputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
]


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def text(s):
    return {"content": [{"type": "text", "text": s}]}


for line in sys.stdin:
    if not line.strip():
        continue
    msg = json.loads(line)
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        continue
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": mid, "result": {"protocolVersion": "2025-06-18",
              "capabilities": {"tools": {}}, "serverInfo": {"name": "fake", "version": "1"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        name, args = msg["params"]["name"], msg["params"].get("arguments", {})
        if name == "add":
            r = text(json.dumps({"sum": args["a"] + args["b"]}))
        elif name == "echo":
            r = {"content": [{"type": "text", "text": "see structuredContent"}], "structuredContent": {"echo": args.get("value")}}
        elif name == "create_events":
            r = text(json.dumps({"created": len(args["events"])}))
        elif name == "greet":
            r = text("hello, " + args.get("name", "?"))
        elif name == "fail":
            r = {"content": [{"type": "text", "text": "the fake tool failed on purpose"}], "isError": True}
        elif name == "sleep":
            time.sleep(args.get("ms", 0) / 1000)
            r = text("slept")
        elif name == "die":
            os._exit(3)
        elif name == "big":
            r = text("x" * int(args.get("n", 0)))
        else:
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": "unknown tool"}})
            continue
        send({"jsonrpc": "2.0", "id": mid, "result": r})
    else:
        send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "method not found"}})
