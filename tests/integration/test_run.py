#!/usr/bin/env python3
"""Integration tests of `dynworker run`: the real binary on worker files, as a user runs it.

Each case writes its files into a fresh temporary folder, runs the binary, and checks the
exit status, stdout, stderr and (with --json) the result object. Usage:
    test_run.py BUILD/dynworker [CASE-NAME-SUBSTRING...]
Limits are checked for the right error code and exit status; the time a runaway takes to
stop is printed, and must stay under three times its limit plus DW_TEST_SLACK_MS (default
5000 ms, generous for a busy machine): a bound against hangs, not a performance claim.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
ONLY = sys.argv[2:]
SLACK_MS = int(os.environ.get("DW_TEST_SLACK_MS", "5000"))

# An infinite loop in WebAssembly: (func (export "f") (loop (br 0)))
WASM_LOOP = bytes([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0,
                   7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 3, 64, 12, 0, 11, 11])
WASM_LOOP_JS = "new Uint8Array([" + ",".join(str(b) for b in WASM_LOOP) + "])"

RESULT_KEYS = {"ok", "result", "response", "logs", "error", "cpuMs", "wallMs"}

CASES = []


def case(name, files, args=(), exit=0, code=None, stdout=None, stdout_has=(),
         stderr_has=(), result=None, check=None, limit_ms=None, json_mode=True, extra=()):
    """files: {name: str|bytes}; the first file is the main module."""
    CASES.append(dict(name=name, files=files, args=list(args), exit=exit, code=code,
                      stdout=stdout, stdout_has=stdout_has, stderr_has=stderr_has,
                      result=result, check=check, limit_ms=limit_ms, json_mode=json_mode,
                      extra=list(extra)))


# ---- 3. The command --------------------------------------------------------------------

case("fetch handler gets the request built from the flags",
     {"w.js": """export default { async fetch(req, env, ctx) {
        const body = await req.text();
        return new Response([req.method, req.url, req.headers.get('x-a'), req.headers.get('x-b'), body].join('|'));
     } }"""},
     args=["--url", "http://example.com/p?q=1", "--method", "POST", "--header", "X-A: 1",
           "--header", "x-b:two", "--data", "payload"],
     json_mode=False, stdout="POST|http://example.com/p?q=1|1|two|payload")
case("fetch handler: default request is GET http://localhost/",
     {"w.js": "export default { fetch(req) { return new Response(req.method + ' ' + req.url) } }"},
     json_mode=False, stdout="GET http://localhost/")
case("fetch handler: response in --json",
     {"w.js": "export default { fetch() { return new Response('hi', {status: 201, headers: {'x-y': 'z'}}) } }"},
     result=lambda r: r["response"] == {"status": 201, "headers": {"x-y": "z",
     "content-type": "text/plain;charset=UTF-8"}, "body": "hi"}
     and r["result"] is None)
case("fetch handler: a streamed, compressed and decompressed body",
     {"w.js": """export default { async fetch(req) {
        const src = ReadableStream.from(['a', 'b', req.method]).pipeThrough(new TextEncoderStream());
        const gz = src.pipeThrough(new CompressionStream('gzip'));
        const fd = new FormData(); fd.append('k', 'v');
        const back = await new Request('http://x/', { method: 'POST', body: fd }).formData();
        return new Response(gz.pipeThrough(new DecompressionStream('gzip')), { headers: { 'x-k': back.get('k') } });
     } }"""},
     args=["--method", "PUT"], json_mode=False, stdout="abPUT")
case("fetch handler: a class extending WorkerEntrypoint",
     {"w.js": """import { WorkerEntrypoint } from 'cloudflare:workers';
        export default class extends WorkerEntrypoint { fetch(req) { return new Response('ep ' + this.env.N) } }"""},
     args=["--env", "N=7"], json_mode=False, stdout="ep 7")
case("fetch handler must return a Response",
     {"w.js": "export default { fetch() { return 'nope' } }"}, exit=1, code="uncaught_exception",
     check=lambda r: "must return a Response" in r["error"]["message"])
case("default function gets env; its awaited result is printed as JSON",
     {"w.js": "export default async function (env) { await null; return {n: env.N, s: env.S, o: env.O} }"},
     args=["--env", "N=42", "--env", "S=hello world", "--env", 'O={"a":[1,2]}'],
     json_mode=False, stdout='{"n":42,"s":"hello world","o":{"a":[1,2]}}\n')
case("default function result in --json",
     {"w.js": "export default () => [1, 'two', null, {x: true}]"},
     result=lambda r: r["result"] == [1, "two", None, {"x": True}] and r["response"] is None)
case("default function returning undefined gives null",
     {"w.js": "export default () => {}"}, result=lambda r: r["result"] is None and r["ok"])
case("default function: primitive, object, promise and thenable results",
     {"w.js": """import a from './a.js'; import b from './b.js'; import c from './c.js';
        export default async () => [a(), b(), await c()]""",
      "a.js": "export default () => 'sync'",
      "b.js": "export default () => ({ nested: [1] })",
      "c.js": "export default () => ({ then(resolve) { resolve('thenable') } })"},
     result=lambda r: r["result"] == ["sync", {"nested": [1]}, "thenable"])
for kind, body in [("a string", "'s'"), ("an object", "({k: 1})"), ("a thenable", "({ then(r) { r(3) } })"),
                   ("a rejected promise", "Promise.reject(new Error('no'))")]:
    case("default function (a module without imports) returning " + kind,
         {"w.js": "export default () => " + body},
         exit=1 if "reject" in kind else 0, code="uncaught_exception" if "reject" in kind else None,
         result=None if "reject" in kind else (lambda r, k=kind: r["result"] == {"a string": "s",
             "an object": {"k": 1}, "a thenable": 3}[k]))
case("a handler runs after the microtasks its module's body queued",
     {"w.js": """let n = 0;
        const step = () => { if (++n < 6) Promise.resolve().then(step) };
        Promise.resolve().then(step);
        export default () => n"""},
     result=lambda r: r["result"] == 6)
case("a throw in the default function is uncaught_exception with its place",
     {"w.js": "export default function () {\n  throw new TypeError('bad') }"}, exit=1,
     code="uncaught_exception",
     check=lambda r: r["error"]["name"] == "TypeError" and "w.js:2" in r["error"]["stack"])
case("a result that is not JSON is bad_result",
     {"w.js": "export default () => 10n"}, exit=1, code="bad_result")
case("plain module: evaluated, only logs printed",
     {"w.js": "console.log('side effect'); export const x = 1;"},
     json_mode=False, stdout="", stderr_has=["[log] side effect"])
case("plain module keeps running its timers",
     {"w.js": "setTimeout(() => console.log('later'), 20);"},
     result=lambda r: [l["message"] for l in r["logs"]] == ["later"])
case("console levels go to stderr as [level] message",
     {"w.js": "console.log('a'); console.info('b'); console.warn('c'); console.error('d'); console.debug('e')"},
     json_mode=False,
     stderr_has=["[log] a", "[info] b", "[warn] c", "[error] d", "[debug] e"])
case("--json: exactly one JSON object with logs and levels",
     {"w.js": "console.log('x', {a: 1}); console.error('y'); export default () => 5"},
     check=lambda r: set(r) == RESULT_KEYS and r["ok"] and r["result"] == 5
     and [(l["level"], l["message"]) for l in r["logs"]] == [("log", "x { a: 1 }"), ("error", "y")]
     and all(isinstance(l["ts"], (int, float)) and l["ts"] > 1.6e12 for l in r["logs"])
     and isinstance(r["cpuMs"], (int, float)) and isinstance(r["wallMs"], (int, float)))
case("--env value that is not JSON is a string",
     {"w.js": "export default (env) => [typeof env.A, env.A, env.B, env.C]"},
     args=["--env", "A=not json", "--env", "B=true", "--env", "C="],
     result=lambda r: r["result"] == ["string", "not json", True, ""])
case("eval is off by default",
     {"w.js": "export default () => eval('1+1')"}, exit=1, code="uncaught_exception",
     check=lambda r: r["error"]["name"] == "EvalError")
case("new Function is off by default",
     {"w.js": "export default () => new Function('return 1')()"}, exit=1,
     check=lambda r: r["error"]["name"] == "EvalError")
case("--allow-eval turns eval on",
     {"w.js": "export default () => [eval('1+1'), new Function('return 3')()]"},
     args=["--allow-eval"], result=lambda r: r["result"] == [2, 3])
case("a thrown error: exit 1, uncaught_exception, name, message, stack in the user's file",
     {"w.js": "function f() {\n  throw new TypeError('boom');\n}\nf();\n"}, exit=1,
     code="uncaught_exception",
     check=lambda r: r["error"]["name"] == "TypeError" and r["error"]["message"] == "boom"
     and "w.js:2:" in r["error"]["stack"])
case("columns on line 1 are the user's, not the module wrapper's",
     {"w.js": "null.x\n"}, exit=1,
     check=lambda r: int(r["error"]["stack"].split("w.js:1:")[1].split()[0].rstrip(")")) <= 8)
case("a rejected promise: exit 1",
     {"w.js": "export default async () => { throw new RangeError('nope') }"}, exit=1,
     code="uncaught_exception", check=lambda r: r["error"]["name"] == "RangeError")
case("an exception in a timer ends the run",
     {"w.js": "setTimeout(() => { throw new Error('in timer') }, 1)"}, exit=1,
     code="uncaught_exception", check=lambda r: r["error"]["message"] == "in timer")
case("a promise that can never settle: never_settled at once",
     {"w.js": "export default () => new Promise(() => {})"}, exit=1, code="never_settled",
     limit_ms=0)
case("top-level await that never settles: never_settled",
     {"w.js": "await new Promise(() => {})"}, exit=1, code="never_settled", limit_ms=0)
case("errors go to stderr in human form without --json",
     {"w.js": "throw new Error('visible')"}, exit=1, json_mode=False,
     stderr_has=["error: uncaught_exception: Error: visible", "at w.js:1:"])

# ---- exit status 2: usage and input --------------------------------------------------

def usage(name, args, err_has):
    CASES.append(dict(name=name, files={}, args=args, exit=2, code=None, stdout=None,
                      stdout_has=(), stderr_has=err_has, result=None, check=None,
                      limit_ms=None, json_mode=False, extra=[], raw=True))

usage("no file", ["run"], ["usage: dynworker run"])
usage("missing file", ["run", "/nonexistent/x.js"], ["cannot read /nonexistent/x.js"])
usage("unknown flag", ["run", "--bogus", "x.js"], ["usage: dynworker run"])
usage("bad number", ["run", "--cpu-ms", "abc", "x.js"], ["--cpu-ms needs a whole number"])
usage("zero limit", ["run", "--memory-mb", "0", "x.js"], ["--memory-mb needs a whole number"])
usage("bad env", ["run", "--env", "novalue", "x.js"], ["--env needs KEY=VALUE"])
usage("unknown extension", ["run", "/etc/hostname"], ["unknown extension"])
usage("unknown command", ["frobnicate"], ["unknown command"])
CASES.append(dict(name="version", files={}, args=["version"], exit=0, code=None,
                  stdout=None, stdout_has=["dynworker 0."], stderr_has=(), result=None, check=None,
                  limit_ms=None, json_mode=False, extra=[], raw=True))
CASES.append(dict(name="run --help", files={}, args=["run", "--help"], exit=0, code=None,
                  stdout=None, stdout_has=["usage: dynworker run", "--memory-mb"], stderr_has=(),
                  result=None, check=None, limit_ms=None, json_mode=False, extra=[], raw=True))

# ---- 4. Modules ---------------------------------------------------------------------

case("static imports: named, default, namespace, renamed",
     {"main.js": """import def, { a, b as bee } from './lib.js';
        import * as ns from './lib.js';
        export default () => [def(), a, bee, Object.keys(ns), ns[Symbol.toStringTag]]""",
      "lib.js": "export const a = 1; export let b = 2; export default function () { return 'd' }"},
     result=lambda r: r["result"] == ["d", 1, 2, ["a", "b", "default"], "Module"])
case("an anonymous default export is named 'default'",
     {"main.js": "import f from './f.js'; import C from './c.js'; import g from './g.js';\nexport default () => [f.name, C.name, g.name]",
      "f.js": "export default () => 1;", "c.js": "export default (class {});",
      "g.js": "export default function () {}"},
     result=lambda r: r["result"] == ["default", "default", "default"])
case("export * from, re-exports, export * as",
     {"main.js": """import { x, y, z, other, deep } from './mid.js';
        export default () => [x, y, z, other.w, deep.x]""",
      "mid.js": "export * from './leaf.js'; export { w as z } from './other.js'; export * as other from './other.js'; export * as deep from './leaf.js';",
      "leaf.js": "export const x = 'x', y = 'y';",
      "other.js": "export const w = 'w';"},
     result=lambda r: r["result"] == ["x", "y", "w", "w", "x"])
case("live bindings",
     {"main.js": "import { count, inc } from './c.js'; inc(); inc(); export default () => count",
      "c.js": "export let count = 0; export function inc() { count++ }"},
     result=lambda r: r["result"] == 2)
case("cycles with ES semantics (hoisted functions, classes used later)",
     {"main.js": "import { isEven } from './even.js'; import { Cat } from './b.js'; export default () => [isEven(10), isEven(7), new Cat().kind()]",
      "even.js": "import { isOdd } from './odd.js'; export function isEven(n) { return n === 0 ? true : isOdd(n - 1) }",
      "odd.js": "import { isEven } from './even.js'; export function isOdd(n) { return n === 0 ? false : isEven(n - 1) }",
      "a.js": "import { Cat } from './b.js'; export class Animal { kind() { return 'animal:' + (this instanceof Cat) } }",
      "b.js": "import { Animal } from './a.js'; export class Cat extends Animal {}"},
     result=lambda r: r["result"] == [True, False, "animal:true"])
case("evaluation order: dependencies first, in import order",
     {"main.js": "import './a.js'; import './b.js'; console.log('main')",
      "a.js": "import './c.js'; console.log('a')", "b.js": "import './c.js'; console.log('b')",
      "c.js": "console.log('c')"},
     result=lambda r: [l["message"] for l in r["logs"]] == ["c", "a", "b", "main"])
case("top-level await in a dependency delays its importer",
     {"main.js": "import { v } from './slow.js'; console.log('main sees', v)",
      "slow.js": "export const v = await new Promise(r => setTimeout(() => r(42), 10)); console.log('slow done')"},
     result=lambda r: [l["message"] for l in r["logs"]] == ["slow done", "main sees 42"])
case("dynamic import, relative to the importer",
     {"main.js": "export default async () => { const m = await import('./sub/a.js'); return m.f() }",
      "sub/a.js": "import { g } from '../sub/b.js'; export const f = () => 'a+' + g()",
      "sub/b.js": "export const g = () => 'b'"},
     result=lambda r: r["result"] == "a+b")
case("dynamic import of a missing module rejects with module_not_found",
     {"main.js": "export default async () => import('./missing.js')"}, exit=1,
     code="module_not_found", check=lambda r: "./missing.js" in r["error"]["message"])
case("an unknown static import is module_not_found naming what was asked for",
     {"main.js": "import { x } from './nope.js'; export default () => x"}, exit=1,
     code="module_not_found",
     check=lambda r: "./nope.js" in r["error"]["message"] and "main.js" in r["error"]["message"])
case("an unknown bare import is module_not_found",
     {"main.js": "import x from 'left-pad'; export default () => x"}, exit=1,
     code="module_not_found", check=lambda r: "left-pad" in r["error"]["message"])
case("a missing export is a SyntaxError naming it",
     {"main.js": "import { nope } from './lib.js'; export default () => nope", "lib.js": "export const yes = 1"},
     exit=1, check=lambda r: r["error"]["name"] == "SyntaxError" and "nope" in r["error"]["message"])
case("syntax error: syntax_error with module, line and column",
     {"main.js": "const a = 1;\nconst b = ;\n"}, exit=1, code="syntax_error",
     check=lambda r: "main.js:2:" in r["error"]["stack"])
case("syntax error in an imported module names that module",
     {"main.js": "import './bad.js'", "bad.js": "\n\nlet x = {;"}, exit=1, code="syntax_error",
     check=lambda r: "bad.js:3:" in r["error"]["stack"])
case("runtime error in an imported module: line in that module",
     {"main.js": "import { f } from './lib.js'; export default () => f()",
      "lib.js": "export function f() {\n  return null.x;\n}"}, exit=1, code="uncaught_exception",
     check=lambda r: "lib.js:2:" in r["error"]["stack"] and r["error"]["name"] == "TypeError")
case("CommonJS: require of siblings, module.exports, exports",
     {"main.js": "import lib from './lib.cjs'; import { named } from './lib.cjs'; export default () => [lib.sum(2, 3), named, lib.fromB]",
      "lib.cjs": "const b = require('./b.cjs'); module.exports = { sum: (a, c) => a + c, named: 'n', fromB: b.v };",
      "b.cjs": "exports.v = 'b';"},
     result=lambda r: r["result"] == [5, "n", "b"])
case("JSON, text and binary modules",
     {"main.js": "import data from './d.json'; import text from './t.txt'; import bin from './b.bin';\nexport default () => [data.k, text, bin instanceof ArrayBuffer, [...new Uint8Array(bin)]]",
      "d.json": '{"k": [1, 2]}', "t.txt": "plain text\n", "b.bin": bytes([0, 1, 255])},
     result=lambda r: r["result"] == [[1, 2], "plain text\n", True, [0, 1, 255]])
case("WebAssembly module: default export is a WebAssembly.Module",
     {"main.js": "import m from './m.wasm'; export default () => [m instanceof WebAssembly.Module, WebAssembly.Module.exports(m).map(e => e.name)]",
      "m.wasm": WASM_LOOP},
     result=lambda r: r["result"] == [True, ["f"]])
# (module (import "env" "k" (func (result i32))) (func (export "add") (param i32 i32) (result i32)
#   local.get 0 local.get 1 i32.add call 0 i32.add))
WASM_ADD = "new Uint8Array([0,97,115,109,1,0,0,0,1,11,2,96,0,1,127,96,2,127,127,1,127,2,9,1,3,101,110,118,1,107,0,0,3,2,1,1,7,7,1,3,97,100,100,0,1,10,12,1,10,0,32,0,32,1,106,16,0,106,11])"
case("WebAssembly: compile and instantiate settle (with imports, from bytes and from a module), errors reject",
     {"main.js": "const bytes = " + WASM_ADD + ";\n"
      "const env = { env: { k: () => 100 } };\n"
      "export default async () => {\n"
      "  const { module, instance } = await WebAssembly.instantiate(bytes, env);\n"
      "  const m2 = await WebAssembly.compile(bytes);\n"
      "  const i2 = await WebAssembly.instantiate(m2, env);\n"
      "  const errs = [];\n"
      "  for (const p of [WebAssembly.compile(new Uint8Array([1, 2, 3])), WebAssembly.instantiate(bytes, {}), WebAssembly.instantiate(m2)])\n"
      "    await p.then(() => errs.push('resolved'), (e) => errs.push(e.constructor.name));\n"
      "  return [instance.exports.add(1, 2), i2.exports.add(3, 4), module instanceof WebAssembly.Module, i2 instanceof WebAssembly.Instance, errs];\n"
      "};\n"},
     result=lambda r: r["result"] == [103, 107, True, True, ["CompileError", "TypeError", "TypeError"]])
case("TypeScript: types stripped, lines kept",
     {"main.ts": """interface P { x: number; y?: string }
type Id = string | number;
enum Color { Red, Green = 5, Blue }
function area<T extends P>(p: T, k: number = 2): number { return p.x * k; }
class Box<T> { constructor(private readonly v: T) {} get(): T { return this.v as T; } }
const id: Id = 'a' satisfies Id;
export default (): unknown => [area({ x: 3 }), Color.Green, Color[6], new Box<number>(9).get(), id];
"""},
     result=lambda r: r["result"] == [6, 5, "Blue", 9, "a"])
case("TypeScript error lines point into the .ts source",
     {"main.ts": "type T = {\n  a: number;\n};\nconst v: T = { a: 1 };\nthrow new Error('at line 5: ' + v.a);\n"},
     exit=1, check=lambda r: "main.ts:5:" in r["error"]["stack"])
case("cloudflare:workers and dynworker:workers give the base class",
     {"main.js": "import { WorkerEntrypoint as A } from 'cloudflare:workers'; import { WorkerEntrypoint as B } from 'dynworker:workers'; export default () => [A === B, typeof A]"},
     result=lambda r: r["result"] == [True, "function"])
case("import.meta.url",
     {"main.js": "export default () => typeof import.meta.url"}, result=lambda r: r["result"] == "string")

# ---- 5. The sandbox -----------------------------------------------------------------

ALLOWED_GLOBALS = [
    "console", "queueMicrotask", "setTimeout", "clearTimeout", "setInterval", "clearInterval",
    "structuredClone", "TextEncoder", "TextDecoder", "atob", "btoa", "crypto", "fetch"]
case("the realm holds the listed APIs",
     {"w.js": "export default () => [" + ",".join(f"typeof {g}" for g in ALLOWED_GLOBALS) + "]"},
     result=lambda r: all(t in ("function", "object") for t in r["result"]))
case("the APIs work",
     {"w.js": """export default async () => {
        const u = new TextEncoder().encode('héllo');
        const c = structuredClone(new Map([[1, {a: [1]}]]));
        const rnd = crypto.getRandomValues(new Uint8Array(8));
        let ticked = await new Promise(r => { const id = setInterval(() => { clearInterval(id); r(true) }, 1) });
        let micro = await new Promise(r => queueMicrotask(() => r('m')));
        return [u.length, new TextDecoder().decode(u), c.get(1).a[0], rnd.length, ticked, micro,
                btoa('hi'), atob('aGk='), /^[0-9a-f-]{36}$/.test(crypto.randomUUID())];
     }"""},
     result=lambda r: r["result"] == [6, "héllo", 1, 8, True, "m", "aGk=", "hi", True])
case("no SharedArrayBuffer, no engine console, no host objects",
     {"w.js": """export default () => {
        const names = Object.getOwnPropertyNames(globalThis);
        return [typeof SharedArrayBuffer, names.includes('SharedArrayBuffer'),
                typeof globalThis.gc, typeof globalThis.print, typeof globalThis.load,
                typeof globalThis.__dw_m, typeof globalThis.require, typeof globalThis.process];
     }"""},
     result=lambda r: r["result"] == ["undefined", False] + ["undefined"] * 6)
case("only ECMAScript built-ins and the listed APIs are globals",
     {"w.js": """export default () => Object.getOwnPropertyNames(globalThis).filter(n => ![
        'Object','Function','Array','Number','parseFloat','parseInt','Infinity','NaN','undefined',
        'Boolean','String','Symbol','Date','Promise','RegExp','Error','AggregateError','EvalError',
        'RangeError','ReferenceError','SyntaxError','TypeError','URIError','globalThis','JSON','Math',
        'Intl','ArrayBuffer','Atomics','Uint8Array','Int8Array','Uint16Array','Int16Array','Uint32Array',
        'Int32Array','Float32Array','Float64Array','Uint8ClampedArray','BigUint64Array','BigInt64Array',
        'Float16Array','DataView','Map','BigInt','Set','WeakMap','WeakSet','Proxy','Reflect',
        'FinalizationRegistry','WeakRef','decodeURI','decodeURIComponent','encodeURI',
        'encodeURIComponent','escape','unescape','eval','isFinite','isNaN','Iterator','SuppressedError',
        'DisposableStack','AsyncDisposableStack','WebAssembly',
        ...%s].includes(n))""" % json.dumps(ALLOWED_GLOBALS)},
     check=lambda r: r["ok"] and all(n in ("self", "navigator", "performance", "DOMException",
                                          "Crypto", "SubtleCrypto", "CryptoKey", "Headers", "Request", "Response", "URL",
                                          "URLSearchParams", "Event", "CustomEvent",
                                          "EventTarget", "AbortController", "AbortSignal",
                                          "Blob", "File", "FormData", "ReadableStream",
                                          "ReadableStreamDefaultReader",
                                          "ReadableStreamBYOBReader",
                                          "ReadableStreamDefaultController",
                                          "ReadableByteStreamController",
                                          "ReadableStreamBYOBRequest",
                                          "ByteLengthQueuingStrategy", "CountQueuingStrategy",
                                          "WritableStream", "WritableStreamDefaultWriter",
                                          "WritableStreamDefaultController", "TransformStream",
                                          "TransformStreamDefaultController",
                                          "TextEncoderStream", "TextDecoderStream",
                                          "CompressionStream", "DecompressionStream",
                                          "IdentityTransformStream", "FixedLengthStream")
                                     for n in r["result"]))
case("fetch() without network rejects with a TypeError that says why",
     {"w.js": """export default async () => {
        try { await fetch('https://example.com/'); return 'fetched'; }
        catch (e) { return [e.name, e.message]; } }"""},
     result=lambda r: r["result"][0] == "TypeError" and "capabilities in its env" in r["result"][1])
case("crypto.subtle works in a run (OpenSSL in the contained child)",
     {"w.js": """export default async () => {
        const S = crypto.subtle;
        const h = new Uint8Array(await S.digest('SHA-256', new TextEncoder().encode('abc')));
        const k = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
        const sig = await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, k.privateKey, h);
        return [h[0], await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, k.publicKey, sig, h),
                k.privateKey.type, k.privateKey.extractable, sig.byteLength];
     }"""},
     result=lambda r: r["result"] == [0xba, True, "private", False, 64])
case("an endless stream read into a body ends with a size error, not a crash",
     {"w.js": "export default async () => { const r = new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(1 << 20)); } })); await r.arrayBuffer(); }"},
     args=["--memory-mb", "1024"], exit=1, code="uncaught_exception",
     check=lambda r: r["error"]["name"] == "RangeError" and "exceeds the limit" in r["error"]["message"]
     and "dw:webapi" not in r["error"]["stack"])
case("a gigantic header list ends with a size error",
     {"w.js": "export default () => { const h = new Headers(); for (let i = 0;; i++) h.append('x-' + i, 'v'.repeat(1000)); }"},
     args=["--memory-mb", "64"], exit=1, code="uncaught_exception",
     check=lambda r: r["error"]["name"] == "RangeError")
case("endless FormData ends with memory_limit_exceeded",
     {"w.js": "export default async () => { const fd = new FormData(); for (let i = 0;; i++) fd.append('k' + i, 'v'.repeat(10000)); }"},
     args=["--memory-mb", "64"], exit=3, code="memory_limit_exceeded")
case("writes into a TransformStream nobody reads end with memory_limit_exceeded",
     {"w.js": "export default async () => { const w = new TransformStream().writable.getWriter(); for (;;) { w.write(new Uint8Array(1 << 16)); await null; } }"},
     args=["--memory-mb", "64"], exit=3, code="memory_limit_exceeded")
case("each run is a fresh realm: globals do not survive",
     {"w.js": "export default () => { const before = globalThis.leak; globalThis.leak = 1; Array.prototype.evil = 1; return before }"},
     result=lambda r: r["result"] is None)

# ---- 6. Limits ------------------------------------------------------------------------

def runaway(name, src, code, limit_args, limit_ms, exit=3, files=None):
    case(name, files or {"w.js": src}, args=limit_args, exit=exit, code=code, limit_ms=limit_ms)

runaway("while(true)", "while(true){}", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("while(true) in the default function (the handler's own entry)",
        "export default () => { while(true){} }", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("while(true) in a fetch handler", "export default { fetch() { while(true){} } }",
        "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("loop in a getter", "const o = { get x() { for(;;){} } }; o.x", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("loop in a sort comparator", "[3,1,2].sort(() => { for(;;){} })", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("loop in a Proxy trap", "new Proxy({}, { get() { for(;;){} } }).x", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
# Each parse holds ~150 MB of the engine's malloc'ed parser stacks (not JS heap); under the
# sanitizers freed memory sits in quarantine, so the process ceiling of the default 128 MB
# cap could trip first. The case is about stopping CPU: give memory room.
runaway("JSON.parse of a 1e6-deep string", "const d = '['.repeat(1e6) + ']'.repeat(1e6); for(;;) JSON.parse(d)",
        "cpu_limit_exceeded", ["--cpu-ms", "200", "--memory-mb", "1024"], 200)
runaway("endless microtask chain", "(function f(){ Promise.resolve().then(f) })()", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("async function looping on await null", "(async () => { for(;;) await null })()", "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("WebAssembly infinite loop", f"new WebAssembly.Instance(new WebAssembly.Module({WASM_LOOP_JS})).exports.f()",
        "cpu_limit_exceeded", ["--cpu-ms", "200"], 200)
runaway("setInterval that never stops", "setInterval(() => {}, 5)", "wall_limit_exceeded", ["--wall-ms", "300"], 300)
runaway("setTimeout chain past the wall limit", "(function f(){ setTimeout(f, 10) })()", "wall_limit_exceeded", ["--wall-ms", "300"], 300)
runaway("sleeping past the wall limit", "await new Promise(r => setTimeout(r, 60000))", "wall_limit_exceeded", ["--wall-ms", "300"], 300)
runaway("default CPU limit is 1000 ms", "for(;;){}", "cpu_limit_exceeded", [], 1000)
runaway("default wall-clock limit is 10000 ms", "setInterval(() => {}, 50)", "wall_limit_exceeded", [], 10000)
HOLD = "const a = []; for (let i = 0; i < %d; i++) a.push(new Float64Array(1e6).fill(i)); await new Promise(r => setTimeout(r, 100)); console.log(a.length)"
case("96 MiB fits in the default memory limit", {"w.js": HOLD % 12})
runaway("200 MiB does not fit in the default (128 MiB)", HOLD % 25, "memory_limit_exceeded", [], None)
case("--memory-mb 300 lets 200 MiB fit", {"w.js": HOLD % 25}, args=["--memory-mb", "300"])
MEM = ["--cpu-ms", "30000", "--memory-mb", "64"]
runaway("memory: arrays", "const a = []; for(;;) a.push(new Array(1e5).fill(1.5))", "memory_limit_exceeded", MEM, None)
runaway("memory: strings", "const a = []; for(let i = 0;; i++) a.push('x'.repeat(1e6) + i)", "memory_limit_exceeded", MEM, None)
runaway("memory: string doubling", "let s = 'x'; for(;;) s += s", "memory_limit_exceeded", MEM, None)
runaway("memory: small objects", "const a = []; for(;;) a.push({ n: a.length })", "memory_limit_exceeded", MEM, None)
runaway("memory: Maps", "const m = new Map(); for(let i = 0;; i++) m.set(i, { i })", "memory_limit_exceeded", MEM, None)
runaway("memory: typed arrays", "const a = []; for(;;) a.push(new Float64Array(1e6))", "memory_limit_exceeded", MEM, None)
runaway("memory: WebAssembly.Memory.grow", "const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); for(;;) { m.grow(16); new Uint8Array(m.buffer).fill(1) }",
        "memory_limit_exceeded", MEM, None)
case("deep recursion is a clean RangeError (exit 1)",
     {"w.js": "function r() { return r() + 1 } r()"}, exit=1, code="uncaught_exception",
     check=lambda r: r["error"]["name"] == "RangeError")
case("deep recursion can be caught",
     {"w.js": "function r() { return r() + 1 } export default () => { try { r() } catch (e) { return e.name } }"},
     result=lambda r: r["result"] == "RangeError")
case("catastrophic regex ends (the engine's backtracking cap answers 'no match')",
     {"w.js": "export default () => /(a+)+$/.test('a'.repeat(40) + 'b')"},
     result=lambda r: r["result"] is False)
case("a limit ends only that run: logs before it are kept",
     {"w.js": "console.log('before'); for(;;){}"}, args=["--cpu-ms", "100"], exit=3,
     code="cpu_limit_exceeded", check=lambda r: [l["message"] for l in r["logs"]] == ["before"])


# ---- Runner -----------------------------------------------------------------------------

def run_case(c):
    with tempfile.TemporaryDirectory() as d:
        names = []
        for name, content in c["files"].items():
            path = os.path.join(d, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode())
            names.append(path)
        if c.get("raw"):
            argv = [BIN] + c["args"]
        else:
            argv = [BIN, "run"] + names + c["args"] + (["--json"] if c["json_mode"] else [])
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True, cwd=d, timeout=120)
        elapsed = (time.monotonic() - t0) * 1000
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    problems = []
    if p.returncode != c["exit"]:
        problems.append(f"exit {p.returncode}, expected {c['exit']}")
    r = None
    if c["json_mode"] and not c.get("raw"):
        lines = out.strip().split("\n")
        try:
            r = json.loads(out)
            if len([l for l in lines if l.strip()]) != 1:
                problems.append("--json printed more than one line")
            if set(r) != RESULT_KEYS:
                problems.append(f"result keys {sorted(r)}")
        except ValueError:
            problems.append(f"stdout is not one JSON object: {out[:300]!r}")
    if r is not None:
        if c["code"] is not None and (r.get("error") or {}).get("code") != c["code"]:
            problems.append(f"error code {(r.get('error') or {}).get('code')}, expected {c['code']}")
        if c["exit"] == 0 and not r.get("ok"):
            problems.append(f"not ok: {r.get('error')}")
        for key in ("result", "check"):
            try:
                good = c[key] is None or c[key](r)
            except (KeyError, TypeError, IndexError) as e:
                good = False
            if not good:
                problems.append(f"{key} check failed: {json.dumps(r)[:600]}")
    if c["stdout"] is not None and out != c["stdout"]:
        problems.append(f"stdout {out!r}, expected {c['stdout']!r}")
    for s in c["stdout_has"]:
        if s not in out:
            problems.append(f"stdout lacks {s!r}")
    for s in c["stderr_has"]:
        if s not in err:
            problems.append(f"stderr lacks {s!r}: {err[:400]!r}")
    note = ""
    if c["limit_ms"] is not None:
        over = elapsed - c["limit_ms"]
        note = f" (ended {over:+.0f} ms after the limit)"
        # A bound against hangs, not a performance claim: a CPU limit counts CPU time, which
        # takes longer in wall time when the machine is busy (ctest runs tests in parallel).
        if over > SLACK_MS + 2 * c["limit_ms"]:
            problems.append(f"took {elapsed:.0f} ms, limit {c['limit_ms']} ms (+ slack)")
    return problems, note, err


def run_all(cases, run, only):
    """Runs each case whose name contains one of `only` (all when empty) with run(case) ->
    (problems, note, stderr), prints a line per case and the totals; returns the exit status.
    Shared by the other integration drivers."""
    failed = passed = 0
    for c in cases:
        if only and not any(o in c["name"] for o in only):
            continue
        try:
            problems, note, err = run(c)
        except subprocess.TimeoutExpired:
            problems, note, err = ["hung (killed after 120 s)"], "", ""
        if problems:
            failed += 1
            print(f"FAIL {c['name']}{note}")
            for pr in problems:
                print(f"     {pr}")
            if err:
                print("     stderr: " + err[:500].replace("\n", "\n             "))
        else:
            passed += 1
            print(f"ok   {c['name']}{note}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    return run_all(CASES, run_case, ONLY)


if __name__ == "__main__":
    sys.exit(main())
