#!/usr/bin/env python3
"""Checks real responses against docs/openapi.yaml, and the route table against it.

As a module (test_daemon.py):
    spec = openapi_check.load()                       # docs/openapi.yaml
    openapi_check.validate(spec, "POST", "/v1/run", 200, body)   # raises AssertionError
As a script: `openapi_check.py [--routes ROUTES_H] [OPENAPI]` compares the route table of
src/http/routes.h with the spec's paths and methods, and checks that the checker itself
accepts documents that fit and refuses ones that do not (a checker that cannot fail would be
worth nothing). Needs PyYAML and jsonschema (python3-yaml, python3-jsonschema).
"""
import copy
import json
import os
import re
import sys

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
METHODS = ["get", "post", "put", "delete", "patch", "head", "options"]


def load(path=None):
    with open(path or os.path.join(ROOT, "docs", "openapi.yaml")) as f:
        return yaml.safe_load(f)


def _resolve(spec, node, depth=0):
    """Inlines every local $ref and turns OpenAPI 3.0's `nullable` into JSON Schema."""
    if depth > 64:
        raise AssertionError("openapi: $ref nesting too deep (a cycle?)")
    if isinstance(node, list):
        return [_resolve(spec, x, depth) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), "only local $refs: " + ref
        target = spec
        for part in ref[2:].split("/"):
            target = target[part]
        return _resolve(spec, target, depth + 1)
    out = {k: _resolve(spec, v, depth) for k, v in node.items() if not k.startswith("x-")}
    if out.pop("nullable", False):
        if "type" in out and isinstance(out["type"], str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = list(out["enum"]) + [None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    # OpenAPI keywords JSON Schema does not know are harmless; `example` etc. are ignored.
    return out


def find_operation(spec, method, path):
    """The (template, operation) of a concrete path such as /v1/workers/w1/fetch/a/b."""
    path = path.split("?", 1)[0]
    for template, item in spec["paths"].items():
        rx = "^"
        for seg in template.strip("/").split("/"):
            if seg == "{path}":
                rx += "/.*"
            elif seg.startswith("{"):
                rx += "/[^/]+"
            else:
                rx += "/" + re.escape(seg)
        if re.match(rx + "$", path):
            op = item.get(method.lower())
            if op is not None:
                return template, op
    raise AssertionError("openapi: no operation for %s %s" % (method, path))


def response_schema(spec, method, path, status, content_type="application/json"):
    """The JSON Schema of a response, or None when the spec gives none for that type."""
    template, op = find_operation(spec, method, path)
    responses = op.get("responses", {})
    resp = responses.get(str(status)) or responses.get("default")
    if resp is None:
        raise AssertionError("openapi: %s %s documents no status %s" % (method, template, status))
    resp = _resolve(spec, resp)
    content = resp.get("content")
    if not content:
        return None
    media = content.get(content_type)
    if media is None:
        raise AssertionError("openapi: %s %s %s is not documented as %s (only %s)" %
                             (method, template, status, content_type, list(content)))
    return media.get("schema")


def response_headers(spec, method, path, status):
    """Names of the headers the spec requires on that response."""
    template, op = find_operation(spec, method, path)
    resp = op["responses"].get(str(status)) or op["responses"].get("default")
    resp = _resolve(spec, resp)
    return [h for h, d in (resp.get("headers") or {}).items() if d.get("required")]


def validate(spec, method, path, status, body, headers=None, content_type="application/json"):
    """Raises AssertionError unless `body` (parsed JSON) fits the documented response.
    `headers` (a dict, any case) is checked for the headers the spec requires."""
    schema = response_schema(spec, method, path, status, content_type)
    if schema is not None:
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as e:
            raise AssertionError("openapi: %s %s %s: %s\nbody: %s" %
                                 (method, path, status, e.message, json.dumps(body)[:2000]))
    if headers is not None:
        lower = {k.lower() for k in headers}
        for h in response_headers(spec, method, path, status):
            if h.lower() not in lower:
                raise AssertionError("openapi: %s %s %s: header %s missing" % (method, path, status, h))


def routes_of_table(routes_h):
    """(METHOD, path template) pairs of src/http/routes.h; {path...} becomes {path}."""
    out = set()
    with open(routes_h) as f:
        for m, p in re.findall(r'XX\((\w+),\s*"([^"]+)"', f.read()):
            p = p.replace("{path...}", "{path}")
            for meth in (METHODS if m == "ANY" else [m.lower()]):
                out.add((meth.upper(), p))
    return out


def routes_of_spec(spec):
    return {(m.upper(), p) for p, item in spec["paths"].items() for m in METHODS if m in item}


def self_test(spec, routes_h):
    try:  # optional (not in Debian 12): the spec itself is valid OpenAPI 3.0
        from openapi_spec_validator import validate as validate_spec
    except ImportError:
        validate_spec = None
    if validate_spec:
        validate_spec(spec)
    table, documented = routes_of_table(routes_h), routes_of_spec(spec)
    missing, extra = table - documented, documented - table
    assert not missing, "routes.h has routes openapi.yaml does not document: %s" % sorted(missing)
    assert not extra, "openapi.yaml documents routes routes.h does not have: %s" % sorted(extra)
    good = [
        ("POST", "/v1/run", 200, {"ok": True, "result": 2, "response": None, "logs": [],
                                  "error": None, "cpuMs": 0.1, "wallMs": 0.2}),
        ("POST", "/v1/run", 400, {"error": {"code": "bad_request", "message": "code: ..."}}),
        ("GET", "/v1/workers", 200, {"workers": [{"id": "a", "size": 1, "created": 1, "updated": 1,
                                                  "lastUsed": None, "invocations": 0, "rev": 1}],
                                     "next": None}),
        ("POST", "/v1/workers/a/rpc/default/f", 500,
         {"error": {"code": "uncaught_exception", "name": "Error", "message": "x", "stack": ""}}),
        ("GET", "/v1/workers/a/fetch/x/y", 500, {"ok": False, "logs": [], "error": {"code": "c", "message": "m"},
                                                 "cpuMs": 1, "wallMs": 1}),
    ]
    bad = [
        ("POST", "/v1/run", 200, {"ok": True}),  # logs, error, cpuMs, wallMs missing
        ("POST", "/v1/run", 400, {"error": {"code": "nope", "message": "x"}}),  # unknown code
        ("POST", "/v1/run", 400, {"error": "x"}),
        ("GET", "/v1/workers", 200, {"workers": [{"id": "a"}], "next": None}),
        ("PUT", "/v1/workers/a", 201, {"id": "a", "rev": "1", "created": True}),
    ]
    for m, p, s, b in good:
        validate(spec, m, p, s, b)
    for m, p, s, b in bad:
        try:
            validate(spec, m, p, s, b)
        except AssertionError:
            continue
        raise AssertionError("the checker accepted a document that does not fit: %s %s %s %s" % (m, p, s, b))
    try:
        validate(spec, "POST", "/v1/run", 503, {"error": {"code": "overloaded", "message": "x"}}, headers={})
    except AssertionError:
        pass
    else:
        raise AssertionError("the checker accepted a 503 without Retry-After")
    return len(table)


def main(argv):
    routes_h = os.path.join(ROOT, "src", "http", "routes.h")
    args = list(argv[1:])
    if args[:1] == ["--routes"]:
        routes_h = args[1]
        args = args[2:]
    spec = load(args[0] if args else None)
    n = self_test(spec, routes_h)
    print("openapi_check: %d method+route pairs documented, the checker refuses what does not fit" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
