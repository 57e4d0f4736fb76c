#!/usr/bin/env python3
"""Integration tests of the Worker Loader through `dynworker run --loader LOADER`: the real
binary, as a user runs it. The first cases are Cloudflare's Dynamic Workers documentation
examples (getting started, bindings through ctx.exports, egress control, limits), changed
only in where they get the loader from. Usage: test_loader.py BUILD/dynworker [NAME...]
(the harness is test_run.py's)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_run as T  # noqa: E402

T.CASES.clear()
LOADER = ["--loader", "LOADER"]


def case(name, files, args=(), **kw):
    T.case(name, files, args=LOADER + list(args), **kw)


# ---- Cloudflare's documentation examples --------------------------------------------------

case("docs: getting started (get() with a callback, fetch through the default entrypoint)",
     {"w.js": """export default {
  async fetch(request, env, ctx) {
    const worker = env.LOADER.get("hello-world", async () => {
      return {
        compatibilityDate: "2026-01-01",
        mainModule: "src/index.js",
        modules: {
          "src/index.js": `
            export default {
              fetch(request, env, ctx) {
                return new Response("Hello from a Dynamic Worker, " + env.NAME);
              }
            }
          `,
        },
        env: { NAME: "world" },
        globalOutbound: null,
      };
    });
    return worker.getEntrypoint().fetch(request);
  },
};"""}, json_mode=False, stdout="Hello from a Dynamic Worker, world")

case("docs: load() for one-off code",
     {"w.js": """export default {
  async fetch(request, env) {
    const worker = env.LOADER.load({
      compatibilityDate: "2026-01-01",
      mainModule: "worker.js",
      modules: { "worker.js": `export default { async fetch() { return Response.json({ ok: true }); } }` },
    });
    return worker.getEntrypoint().fetch(request);
  },
};"""}, json_mode=False, stdout='{"ok":true}')

case("docs: custom binding through ctx.exports with props (ChatRoom)",
     {"w.js": """import { WorkerEntrypoint } from "cloudflare:workers";
export class ChatRoom extends WorkerEntrypoint {
  async post(text) {
    const { apiKey, botName } = this.ctx.props;
    return `${botName} posted "${text}" with key ${apiKey.length} chars`;
  }
}
export default {
  async fetch(request, env, ctx) {
    const chatRoom = ctx.exports.ChatRoom({ props: { apiKey: "sk-secret-123", botName: "Robo" } });
    const worker = env.LOADER.load({
      compatibilityDate: "2026-01-01",
      mainModule: "index.js",
      modules: { "index.js": `
        export default {
          async fetch(request, env) {
            const r = await env.CHAT_ROOM.post("Hello!");
            return new Response(r + " | what the child sees of it: [" + Object.getOwnPropertyNames(env.CHAT_ROOM) + "]");
          }
        }` },
      env: { CHAT_ROOM: chatRoom },
      globalOutbound: null,
    });
    return worker.getEntrypoint().fetch(request);
  },
};"""}, json_mode=False,
     stdout='Robo posted "Hello!" with key 13 chars | what the child sees of it: []')

case("docs: egress control, globalOutbound null makes fetch() throw",
     {"w.js": """export default {
  async fetch(request, env) {
    const worker = env.LOADER.load({
      compatibilityDate: "2026-01-01", mainModule: "index.js",
      modules: { "index.js": `export default { async fetch() {
        try { await fetch("https://example.com/"); return new Response("reached"); }
        catch (e) { return new Response(e.name + ": " + e.message); } } }` },
      globalOutbound: null,
    });
    return worker.getEntrypoint().fetch(request);
  },
};"""}, json_mode=False,
     stdout_has=["TypeError: fetch() is not allowed", "capabilities in its env"])

case("docs: egress control, intercept outbound requests with a gateway entrypoint",
     {"w.js": """import { WorkerEntrypoint } from "cloudflare:workers";
export class HttpGateway extends WorkerEntrypoint {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.hostname !== "api.example.com") return new Response("blocked " + url.hostname, { status: 403 });
    return new Response(`gateway for ${this.ctx.props.tenant}: ${request.method} ${url.pathname} auth=${request.headers.get("x-auth") ?? "-"}`);
  }
}
export default {
  async fetch(request, env, ctx) {
    const worker = env.LOADER.load({
      compatibilityDate: "2026-01-01", mainModule: "index.js",
      modules: { "index.js": `export default { async fetch() {
        const a = await fetch("https://api.example.com/v1/items", { method: "POST", body: "x" });
        const b = await fetch("https://evil.example.net/");
        return new Response(await a.text() + " | " + b.status + " " + await b.text()); } }` },
      globalOutbound: ctx.exports.HttpGateway({ props: { tenant: "t-42" } }),
    });
    return worker.getEntrypoint().fetch(request);
  },
};"""}, json_mode=False,
     stdout="gateway for t-42: POST /v1/items auth=- | 403 blocked evil.example.net")

case("docs: limits, a worker over its CPU limit fails the call with a limit code",
     {"w.js": """export default {
  async fetch(request, env) {
    const worker = env.LOADER.get("busy", async () => ({
      compatibilityDate: "2026-01-01", mainModule: "index.js",
      modules: { "index.js": `export default { fetch() { for (;;) {} } }` },
      limits: { cpuMs: 20 },
    }));
    try { await worker.getEntrypoint().fetch(request); return new Response("finished?"); }
    catch (e) { return new Response(e.code + ": " + e.message); }
  },
};"""}, json_mode=False, stdout_has=["cpu_limit_exceeded: Worker 'busy' exceeded its CPU time limit (20 ms)"])

# ---- The API ---------------------------------------------------------------------------------

RPC_CHILD = r"""
import { WorkerEntrypoint } from "cloudflare:workers";
export class Api extends WorkerEntrypoint {
  add(a, b) { return a + b; }
  async types(v) { return { v, map: new Map([[1, new Set(["a"])]]), date: new Date(5), re: /x/gi, big: 10n, u8: new Uint8Array([1, 2]) }; }
  props() { return this.ctx.props; }
  envKeys() { return Object.keys(this.env).sort(); }
  fail() { const e = new RangeError("nope"); throw e; }
  returnsFunction() { return () => 1; }
  async waits() { this.ctx.waitUntil(new Promise(r => setTimeout(r, 5))); return "w"; }
  static hidden() { return "static"; }
}
export default { add(a, b) { return a * b; }, fetch(req) { return new Response("default " + req.method) } };
"""


def child(src, extra=""):
    return ("compatibilityDate: '2026-01-01', mainModule: 'c.js', modules: { 'c.js': "
            + repr(src) + " }" + extra)


case("RPC: named entrypoint, default-object methods, structured clone both ways",
     {"w.js": """export default async (env) => {
  const w = env.LOADER.load({ %s, env: { A: 1, B: [2] } });
  const api = w.getEntrypoint("Api", { props: { role: "reader" } });
  const t = await api.types("hi");
  return [await api.add(2, 3), await w.getEntrypoint().add(2, 3), t.v, t.map.get(1).has("a"),
          t.date.getTime(), t.re.flags, String(t.big), Array.from(t.u8),
          await api.props(), await api.envKeys(), await api.waits()];
};""" % child(RPC_CHILD)},
     result=lambda r: r["result"] == [5, 6, "hi", True, 5, "gi", "10", [1, 2], {"role": "reader"},
                                      ["A", "B"], "w"])

case("RPC: errors keep name, message and stack; unknown and forbidden methods say so",
     {"w.js": """export default async (env) => {
  const api = env.LOADER.load({ %s }).getEntrypoint("Api");
  const out = [];
  for (const f of [() => api.fail(), () => api.nope(), () => api.constructor(), () => api.hidden(),
                   () => api.returnsFunction(), () => api.add(() => 1)]) {
    try { await f(); out.push("no error"); } catch (e) { out.push(e.name + ": " + e.message + (e instanceof Error ? "" : " (not an Error)")); }
  }
  try { await api.fail(); } catch (e) { out.push(/c\\.js:\\d+/.test(e.stack)); }
  return out;
};""" % child(RPC_CHILD)},
     check=lambda r: r["ok"] and r["result"][0] == "RangeError: nope"
     and "no method \"nope\"" in r["result"][1] and r["result"][2].startswith("TypeError")
     and "no method \"hidden\"" in r["result"][3]
     and r["result"][4].startswith("DataCloneError") and r["result"][5].startswith("DataCloneError")
     and r["result"][6] is True)

case("fetch through a stub: method, headers, body and status cross; Response is the same class",
     {"w.js": """export default {
  async fetch(request, env) {
    const w = env.LOADER.load({ compatibilityDate: "2026-01-01", mainModule: "c.js", modules: { "c.js":
      `export default { async fetch(req) { return new Response(req.method + " " + new URL(req.url).pathname + " " + req.headers.get("x-a") + " " + await req.text(), { status: 207, headers: { "x-b": "2" } }); } }` } });
    const res = await w.getEntrypoint().fetch("http://child/p", { method: "PUT", headers: { "x-a": "1" }, body: "data" });
    return new Response([res instanceof Response, res.status, res.headers.get("x-b"), await res.text()].join("|"));
  },
};"""}, json_mode=False, stdout="true|207|2|PUT /p 1 data")

case("WorkerCode is checked: a TypeError names the field",
     {"w.js": """export default async (env) => {
  const bad = [
    {}, { compatibilityDate: "2026-01-01" },
    { compatibilityDate: "2026-01-01", modules: { "a.js": "" }, mainModule: "b.js" },
    { compatibilityDate: "2026-01-01", modules: { "a.js": { js: "", text: "" } } },
    { compatibilityDate: "2026-01-01", modules: { "a.foo": "x" } },
    { compatibilityDate: "2026-01-01", modules: { "a.js": "" }, globalOutbound: {} },
    { compatibilityDate: "2026-01-01", modules: { "a.js": "" }, limits: { cpuMs: -1 } },
    { compatibilityDate: "2026-01-01", modules: { "a.js": "" }, env: { f() {} } },
    { compatibilityDate: "2026-01-01", modules: { "a.js": "" }, env: { big: "x".repeat(1 << 21) } },
  ];
  const out = [];
  for (const code of bad) {
    try { env.LOADER.load(code); out.push("accepted"); } catch (e) { out.push(e.name + ": " + e.message); }
  }
  return out;
};"""},
     check=lambda r: r["ok"] and [m.split(":")[0] for m in r["result"]] == ["TypeError"] * 7 + ["DataCloneError", "TypeError"]
     and "compatibilityDate" in r["result"][0] and "modules" in r["result"][1]
     and "mainModule" in r["result"][2] and "exactly one of" in r["result"][3]
     and "a.foo" in r["result"][4] and "globalOutbound" in r["result"][5]
     and "limits.cpuMs" in r["result"][6] and "1 MiB" in r["result"][8])

case("module kinds in WorkerCode: js, cjs, ts, text, data, json",
     {"w.js": """export default async (env) => {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", mainModule: "m.ts", modules: {
    "m.ts": { ts: "import c from './c.cjs'; import t from './t.txt'; import d from './d.bin'; import j from './j.json'; import { x } from './x.js';\\n const n: number = 1; export default { f() { return [c.v, t, new Uint8Array(d)[1], j.k, x, n]; } }" },
    "c.cjs": { cjs: "module.exports = { v: 'cjs' };" },
    "t.txt": { text: "text!" },
    "d.bin": { data: new Uint8Array([7, 8]) },
    "j.json": { json: { k: [1] } },
    "x.js": "export const x = 'esm';",
  } });
  return w.getEntrypoint().f();
};"""}, result=lambda r: r["result"] == ["cjs", "text!", 8, [1], "esm", 1])

case("a child's syntax error and a failing module reject the call with the child's error",
     {"w.js": """export default async (env) => {
  const out = [];
  for (const src of ["export default {", "throw new TypeError('at load')", "import './missing.js'"]) {
    try { await env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": src } }).getEntrypoint().f(); out.push("ok"); }
    catch (e) { out.push(e.name + "|" + (e.code || "") + "|" + e.message); }
  }
  return out;
};"""},
     check=lambda r: r["ok"] and r["result"][0].startswith("SyntaxError|syntax_error|")
     and r["result"][1] == "TypeError||at load"
     and r["result"][2].startswith("Error|module_not_found|"))

# ---- Cache semantics ---------------------------------------------------------------------

case("get(): the callback runs once while the worker is warm; state persists between calls",
     {"w.js": """export default async (env) => {
  let calls = 0;
  const code = async () => { calls++; return { compatibilityDate: "2026-01-01", modules: {
    "c.js": "let n = 0; export default { inc() { return ++n; } }" } }; };
  const a = env.LOADER.get("counter", code), b = env.LOADER.get("counter", code);
  const r = [await a.getEntrypoint().inc(), await a.getEntrypoint().inc(), await b.getEntrypoint().inc()];
  const [x, y] = await Promise.all([a.getEntrypoint().inc(), b.getEntrypoint().inc()]);
  return [r, x + y, calls];
};"""}, result=lambda r: r["result"] == [[1, 2, 3], 9, 1])

case("load(): every load is a fresh worker, never reused",
     {"w.js": """export default async (env) => {
  const code = { compatibilityDate: "2026-01-01", modules: { "c.js": "let n = 0; export default { inc() { return ++n; } }" } };
  const a = env.LOADER.load(code), b = env.LOADER.load(code);
  return [await a.getEntrypoint().inc(), await a.getEntrypoint().inc(), await b.getEntrypoint().inc()];
};"""}, result=lambda r: r["result"] == [1, 2, 1])

case("eviction: past the cache's count the least recently used worker is made again",
     {"w.js": """export default async (env) => {
  const made = [];
  const get = (id) => env.LOADER.get(id, async () => { made.push(id); return { compatibilityDate: "2026-01-01",
    modules: { "c.js": "let n = 0; export default { inc() { return ++n; } }" } }; });
  const a = get("a"), b = get("b"), c = get("c");
  await a.getEntrypoint().inc(); await b.getEntrypoint().inc();
  await a.getEntrypoint().inc();          // a is now more recent than b
  await c.getEntrypoint().inc();          // over 2 warm workers: b goes
  const again = [await a.getEntrypoint().inc(), await b.getEntrypoint().inc()];
  return [again, made];
};"""}, args=["--loader-max-workers", "2"],
     result=lambda r: r["result"] == [[3, 1], ["a", "b", "c", "b"]])

case("eviction: a worker just asked for is not evicted before its callback answers",
     {"w.js": """export default async (env) => {
  const code = { compatibilityDate: "2026-01-01", modules: { "c.js": "export default { f() { return 1 } }" } };
  // a is waiting for its slow callback (busy); b is made while the cache is full of it
  const a = env.LOADER.get("a", async () => { await new Promise(r => setTimeout(r, 300)); return code; }).getEntrypoint().f();
  let b;
  try { b = await env.LOADER.get("b", () => code).getEntrypoint().f(); } catch (e) { b = e.message; }
  return [await a, b];
};"""}, args=["--loader-max-workers", "1"], result=lambda r: r["result"] == [1, 1])

case("eviction by memory: a cache of 1 MB keeps one worker warm at a time",
     {"w.js": """export default async (env) => {
  let made = 0;
  const get = (id) => env.LOADER.get(id, async () => { made++; return { compatibilityDate: "2026-01-01",
    modules: { "c.js": "export default { f() { return 1; } }", "pad.txt": "x".repeat(700000) } }; });
  await get("a").getEntrypoint().f(); await get("b").getEntrypoint().f(); await get("a").getEntrypoint().f();
  return made;
};"""}, args=["--loader-max-mb", "1"], result=lambda r: r["result"] == 3)

case("memory pressure: idle warm workers are evicted before the run would exceed its cap",
     {"w.js": """export default async (env) => {
  let made = 0;
  for (let i = 0; i < 60; i++) {
    const w = env.LOADER.get("big-" + i, async () => { made++; return { compatibilityDate: "2026-01-01",
      modules: { "c.js": "const keep = new Array(400000).fill(0).map((_, i) => i * 1.5); export default { n() { return keep.length } }" } }; });
    await w.getEntrypoint().n();
  }
  return made;
};"""}, args=["--memory-mb", "96"], result=lambda r: r["result"] == 60)

case("two loader bindings are two caches: the same id gives separate workers with their own env",
     {"w.js": """export default async (env) => {
  const code = (tag) => async () => ({ compatibilityDate: "2026-01-01", env: { TAG: tag },
    modules: { "c.js": "export default { tag(x, env) { return 'x'; } }" } });
  const mk = (tag) => ({ compatibilityDate: "2026-01-01", env: { TAG: tag },
    modules: { "c.js": "import { WorkerEntrypoint } from 'cloudflare:workers'; export class E extends WorkerEntrypoint { tag() { return this.env.TAG; } }" } });
  const a = env.LOADER.get("same-id", async () => mk("first"));
  const b = env.OTHER.get("same-id", async () => mk("second"));
  return [await a.getEntrypoint("E").tag(), await b.getEntrypoint("E").tag()];
};"""}, args=["--loader", "OTHER"], result=lambda r: r["result"] == ["first", "second"])

case("a worker given its parent's loader gets its own workers for an id, not the parent's",
     {"w.js": """export default async (env) => {
  const mk = (tag) => async () => ({ compatibilityDate: "2026-01-01", env: { TAG: tag },
    modules: { "c.js": "import { WorkerEntrypoint } from 'cloudflare:workers'; export class E extends WorkerEntrypoint { tag() { return this.env.TAG; } }" } });
  const mine = env.LOADER.get("shared-id", mk("parent's"));
  const first = await mine.getEntrypoint("E").tag();
  const child = env.LOADER.load({ compatibilityDate: "2026-01-01", env: { L: env.LOADER },
    modules: { "c.js": `import { WorkerEntrypoint } from 'cloudflare:workers';
      export class C extends WorkerEntrypoint { async f() {
        return this.env.L.get("shared-id", async () => ({ compatibilityDate: "2026-01-01", env: { TAG: "child's" },
          modules: { "c.js": "import { WorkerEntrypoint } from 'cloudflare:workers'; export class E extends WorkerEntrypoint { tag() { return this.env.TAG; } }" } })).getEntrypoint("E").tag(); } }` } });
  return [first, await child.getEntrypoint("C").f(), await mine.getEntrypoint("E").tag()];
};"""}, result=lambda r: r["result"] == ["parent's", "child's", "parent's"])

# ---- Capabilities -----------------------------------------------------------------------

case("capabilities: a child that tries to use a capability it was not given fails",
     {"w.js": """import { WorkerEntrypoint } from "cloudflare:workers";
export class Secret extends WorkerEntrypoint { read() { return "secret"; } }
export class Public extends WorkerEntrypoint { hello() { return "hello"; } }
export default { async fetch(req, env, ctx) {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", env: { PUB: ctx.exports.Public },
    modules: { "c.js": `import { WorkerEntrypoint } from "cloudflare:workers";
      export class P extends WorkerEntrypoint { async probe() {
        const out = [await this.env.PUB.hello(), Object.keys(this.env).join(","), typeof this.env.SECRET];
        try { await this.env.SECRET.read(); out.push("reached"); } catch (e) { out.push(e.name); }
        out.push(JSON.stringify(Object.getOwnPropertyNames(this.env.PUB)), Object.getPrototypeOf(this.env.PUB));
        try { structuredClone(this.env.PUB); out.push("cloned"); } catch (e) { out.push(e.name); }
        return out; } }` } });
  return Response.json(await w.getEntrypoint("P").probe());
} };"""}, result=lambda r: json.loads(r["response"]["body"]) == ["hello", "PUB", "undefined", "TypeError", "[]", None,
                                        "DataCloneError"])

case("capabilities passed as RPC arguments arrive working; props stay with the capability",
     {"w.js": """import { WorkerEntrypoint } from "cloudflare:workers";
export class Counter extends WorkerEntrypoint { who() { return this.ctx.props.name; } }
export default { async fetch(req, env, ctx) {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js":
    "export default { async use(cap, list) { return [await cap.who(), await list[1].who()]; } }" } });
  const a = ctx.exports.Counter({ props: { name: "a" } }), b = ctx.exports.Counter({ props: { name: "b" } });
  return Response.json(await w.getEntrypoint().use(a, [a, b]));
} };"""}, result=lambda r: json.loads(r["response"]["body"]) == ["a", "b"])

case("a child can hold a stub of another child and call it",
     {"w.js": """export default async (env) => {
  const inner = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": "export default { twice(x) { return 2 * x; } }" } });
  const outer = env.LOADER.load({ compatibilityDate: "2026-01-01", env: { INNER: inner.getEntrypoint() },
    modules: { "c.js": "import { WorkerEntrypoint } from 'cloudflare:workers'; export class E extends WorkerEntrypoint { async f(x) { return 1 + await this.env.INNER.twice(x); } }" } });
  return outer.getEntrypoint("E").f(20);
};"""}, result=lambda r: r["result"] == 41)

# ---- Limits and isolation ------------------------------------------------------------------

case("a child that loops forever is stopped; its siblings finish; the parent goes on",
     {"w.js": """export default async (env) => {
  const mk = (body) => env.LOADER.load({ compatibilityDate: "2026-01-01", limits: { cpuMs: 30 },
    modules: { "c.js": "export default { async f(i) { " + body + " } }" } });
  const spin = mk("for (;;) {}");
  const ok = Array.from({ length: 20 }, () => mk("await new Promise(r => setTimeout(r, 20)); return i * 2;"));
  const results = await Promise.allSettled([spin.getEntrypoint().f(0), ...ok.map((w, i) => w.getEntrypoint().f(i))]);
  return [results[0].status, results[0].reason.code, results.slice(1).map(r => r.value).join(",")];
};"""}, result=lambda r: r["result"] == ["rejected", "cpu_limit_exceeded",
                                          ",".join(str(2 * i) for i in range(20))])

case("a child's memory storm ends that child; the parent and a new sibling go on",
     {"w.js": """export default async (env) => {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", limits: { cpuMs: 5000 }, modules: { "c.js":
    "export default { hog() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); } }" } });
  let r;
  try { await w.getEntrypoint().hog(); r = "no error"; } catch (e) { r = e.code; }
  const w2 = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": "export default { f() { return 'fine' } }" } });
  return [r, await w2.getEntrypoint().f()];
};"""}, args=["--memory-mb", "128"], result=lambda r: r["result"] == ["memory_limit_exceeded", "fine"])

MEMHOG = ("const keep = []; export default { "
          "bytes(n) { for (let i = 0; i < n; i++) keep.push(new Uint8Array(1 << 20).fill(i)); return keep.length; }, "
          "arrays(n) { for (let i = 0; i < n; i++) keep.push(new Array(1 << 17).fill(i + 0.5)); return keep.length; }, "
          "strings(n) { for (let i = 0; i < n; i++) keep.push(('s' + i).repeat(1 << 19).toUpperCase()); return keep.length; }, "
          "hi() { return 'hi'; } }")

case("memoryMb: a child over its own limit fails with memory_limit_exceeded; siblings and the parent go on",
     {"w.js": """export default async (env) => {
  const mk = (limits) => env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": %r }, limits });
  const out = [];
  for (const how of ["bytes", "arrays", "strings"]) {
    const a = mk({ memoryMb: 16, cpuMs: 2000 }).getEntrypoint();
    try { out.push(await a[how](64)); } catch (e) { out.push(e.code + ": " + e.message); }
    try { out.push(await a.hi()); } catch (e) { out.push(e.code); }
  }
  let made = 0;
  const g = () => env.LOADER.get("capped", async () => { made++; return { compatibilityDate: "2026-01-01", modules: { "c.js": %r }, limits: { memoryMb: 16, cpuMs: 2000 } }; });
  try { await g().getEntrypoint().bytes(64); out.push("no error"); } catch (e) { out.push(e.code); }
  out.push(await g().getEntrypoint().hi(), made);
  const sib = mk({}).getEntrypoint(), small = mk({ memoryMb: 16 }).getEntrypoint();
  const mine = new Uint8Array(32 << 20).fill(1);
  out.push(await sib.bytes(32), await small.bytes(4), await small.hi(), mine.length);
  return out;
};""" % (MEMHOG, MEMHOG)}, args=["--memory-mb", "128"],
     result=lambda r: r["result"] == ["memory_limit_exceeded: Worker 'load()' exceeded its memory limit (16 MB)",
                                      "memory_limit_exceeded"] * 3
     + ["memory_limit_exceeded", "hi", 2, 32, 4, "hi", 32 << 20])

case("memoryMb: in a VM of its own, CPU, wall-clock and memory budgets end only that worker",
     {"w.js": """export default async (env) => {
  const mk = (src, limits) => env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": src }, limits }).getEntrypoint();
  const out = [];
  for (const [src, limits] of [
    ["export default { f() { for (;;) {} } }", { memoryMb: 16 }],
    ["export default { f() { return new Promise(() => {}); } }", { memoryMb: 16, wallMs: 100 }],
    ["export default { f() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); } }", { memoryMb: 16, cpuMs: 5000 }],
    ["const keep = []; for (let i = 0; i < 64; i++) keep.push(new Uint8Array(1 << 20)); export default { f() { return keep.length; } }", { memoryMb: 16 }],
    ["const keep = []; export default { f() { for (let i = 0; i < 24; i++) keep.push(new Uint8Array(1 << 20).fill(1)); return new Promise(r => setTimeout(() => r(keep.length), 50)); } }", { memoryMb: 16 }],
  ]) {
    try { out.push(await mk(src, limits).f()); } catch (e) { out.push(e.code); }
  }
  out.push(await mk("export default { f() { return 'ok'; } }", {}).f(), await mk("export default { f() { return 'own'; } }", { memoryMb: 16 }).f());
  return out;
};"""}, args=["--memory-mb", "128"],
     result=lambda r: r["result"] == ["cpu_limit_exceeded", "wall_limit_exceeded", "memory_limit_exceeded",
                                      "memory_limit_exceeded", "memory_limit_exceeded", "ok", "own"])

case("memoryMb: at most 64 workers with a VM of their own are alive; the 65th is refused, others go on",
     {"w.js": """export default async (env) => {
  const code = (limits) => ({ compatibilityDate: "2026-01-01", limits, modules: { "c.js": "export default { f(x) { return x } }" } });
  const ws = [];
  for (let i = 0; i < 65; i++) ws.push(env.LOADER.load(code({ memoryMb: 8 })).getEntrypoint());
  const rs = await Promise.allSettled(ws.map((w, i) => w.f(i)));
  const bad = rs.filter(r => r.status === "rejected").map(r => r.reason.code + ": " + r.reason.message.slice(0, 60));
  return [rs.length - bad.length, bad, await env.LOADER.load(code({})).getEntrypoint().f("shared")];
};"""}, args=["--memory-mb", "1024", "--wall-ms", "60000"],
     result=lambda r: r["result"] == [64, ["overloaded: too many workers with a memoryMb of their own are alive (at "], "shared"])

case("memoryMb: a worker in a VM of its own exchanges clones, errors, capabilities, fetch and tails with its parent",
     {"w.js": """import { WorkerEntrypoint } from "cloudflare:workers";
const events = [];
export class Tail extends WorkerEntrypoint { tail(e) { events.push(e); } }
export class Echo extends WorkerEntrypoint { up(s) { return s.toUpperCase() + this.ctx.props.tag; } }
export class Gateway extends WorkerEntrypoint {
  async fetch(req) { return new Response("gw " + req.method + " " + new URL(req.url).pathname + " " + await req.text(), { status: 202 }); }
}
export default { async fetch(req, env, ctx) {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", limits: { memoryMb: 16 },
    env: { ECHO: ctx.exports.Echo({ props: { tag: "!" } }), DATA: { m: new Map([[1, "a"]]) } },
    globalOutbound: ctx.exports.Gateway, tails: [ctx.exports.Tail],
    modules: { "c.js": `import { WorkerEntrypoint } from "cloudflare:workers";
      export class Api extends WorkerEntrypoint {
        types(x) { return { v: x, map: new Map([[1, new Set(["a"])]]), date: new Date(5), big: 10n, u8: new Uint8Array([1, 2]), env: this.env.DATA.m.get(1) }; }
        fail() { throw new RangeError("nope"); }
        echo(s) { return this.env.ECHO.up(s); }
        async out() { const r = await fetch("http://x/p", { method: "POST", body: "b" }); return r.status + " " + await r.text(); }
        use(cap) { return cap.up("arg"); }
        self() { return this.ctx.exports.Api; }
        async fetch(req) { return new Response("child " + req.method + " " + await req.text(), { status: 207, headers: { "x-b": "2" } }); }
      }
      export default { f() { return "default"; } }` } });
  const api = w.getEntrypoint("Api");
  const out = [];
  const t = await api.types("hi");
  out.push(t.v, t.map.get(1).has("a"), t.date.getTime(), String(t.big), Array.from(t.u8), t.env);
  try { await api.fail(); } catch (e) { out.push(e instanceof RangeError, e.message, /c\.js:\d+/.test(e.stack)); }
  out.push(await api.echo("hey"), await api.out(), await api.use(ctx.exports.Echo({ props: { tag: "?" } })));
  const self = await api.self();
  out.push((await self.types(1)).v, await w.getEntrypoint().f());
  const res = await api.fetch(new Request("http://c/", { method: "PUT", body: "data" }));
  out.push(res instanceof Response, res.status, res.headers.get("x-b"), await res.text());
  for (let i = 0; i < 100 && events.length < 8; i++) await new Promise(r => setTimeout(r, 2));
  out.push(events.map(e => e.outcome + ":" + e.method).join(","));
  return Response.json(out);
} };"""},
     result=lambda r: json.loads(r["response"]["body"]) == [
         "hi", True, 5, "10", [1, 2], "a", True, "nope", True, "HEY!", "202 gw POST /p b", "ARG?",
         1, "default", True, 207, "2", "child PUT data",
         "ok:types,exception:fail,ok:echo,ok:out,ok:use,ok:self,ok:types,ok:f,ok:fetch"])

case("limits: wallMs and per-entrypoint limits (the lower wins)",
     {"w.js": """export default async (env) => {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", limits: { wallMs: 5000, cpuMs: 500 },
    modules: { "c.js": "export default { sleep() { return new Promise(() => {}); }, spin() { for(;;){} } }" } });
  const out = [];
  try { await w.getEntrypoint(undefined, { limits: { wallMs: 50 } }).sleep(); } catch (e) { out.push(e.code); }
  const t0 = Date.now();
  try { await w.getEntrypoint(undefined, { limits: { cpuMs: 20 } }).spin(); } catch (e) { out.push(e.code, Date.now() - t0 < 450); }
  return out;
};"""}, result=lambda r: r["result"] == ["wall_limit_exceeded", "cpu_limit_exceeded", True])

case("a call waiting for code that never comes ends at its wall-clock limit",
     {"w.js": """export default async (env) => {
  const w = env.LOADER.get("never", () => new Promise(() => {}));
  try { await w.getEntrypoint(undefined, { limits: { wallMs: 100 } }).f(); return "answered"; }
  catch (e) { return e.code; }
};"""}, result=lambda r: r["result"] == "wall_limit_exceeded")

case("limits: subRequests counts calls a child makes",
     {"w.js": """export default async (env) => {
  const inner = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": "export default { f() { return 1; } }" } });
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", limits: { subRequests: 2 }, env: { I: inner.getEntrypoint() },
    modules: { "c.js": "import { WorkerEntrypoint } from 'cloudflare:workers'; export class E extends WorkerEntrypoint { async f() { const out = []; for (let i = 0; i < 3; i++) { try { out.push(await this.env.I.f()); } catch (e) { out.push(e.code); } } return out; } }" } });
  return w.getEntrypoint("E").f();
};"""}, result=lambda r: r["result"] == [1, 1, "subrequest_limit_exceeded"])

case("a child's globals are its own: no parent globals, no sibling state",
     {"w.js": """globalThis.PARENT_SECRET = "p";
export default async (env) => {
  const mk = () => env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js":
    "export default { f() { const before = [typeof PARENT_SECRET, typeof globalThis.MARK]; globalThis.MARK = 1; Array.prototype.evil = 1; return before; } }" } });
  return [await mk().getEntrypoint().f(), await mk().getEntrypoint().f(), typeof [].evil];
};"""}, result=lambda r: r["result"] == [["undefined", "undefined"], ["undefined", "undefined"], "undefined"])

case("1,000 dynamic workers with requests in flight at once",
     {"w.js": """export default async (env) => {
  const ps = [];
  for (let i = 0; i < 1000; i++) {
    const w = env.LOADER.load({ compatibilityDate: "2026-01-01", limits: { cpuMs: 200 }, modules: { "c.js":
      "export default { async f(i) { await new Promise(r => setTimeout(r, 30)); return i; } }" } });
    ps.push(w.getEntrypoint().f(i));
  }
  const out = await Promise.all(ps);
  return out.every((v, i) => v === i) ? out.length : out;
};"""}, args=["--memory-mb", "1024", "--wall-ms", "60000"], result=lambda r: r["result"] == 1000)

# Random traffic over load() workers whose stubs, fetchers, methods and getEntrypoint are
# kept, dropped and passed on, with collections and timers in between: each worker's counter
# must come out right at every call. Unrooting (docs/internals/loader.md) leaves an idle
# worker to its capability handles; a method or getEntrypoint kept from a dropped stub must
# keep it alive, a sibling given the stub must reach it, a timer after a call must still run.
case("random capability traffic: workers live exactly as long as something can call them",
     {"w.js": r"""const child = 'let n = 0; export default { inc() { return ++n }, later(ms) { setTimeout(() => { n += 1000 }, ms); return n }, ' +
  'async viaA(A) { return await A.getEntrypoint().inc() }, get() { return n } }';
const sibling = 'import { WorkerEntrypoint } from "cloudflare:workers"; export default class extends WorkerEntrypoint { ' +
  'async g() { return await this.env.A.getEntrypoint().inc() } }';
const code = { compatibilityDate: '2026-01-01', modules: { 'c.js': child } };
let seed = 12345;
const rnd = (k) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % k; };
const churn = () => { let a = 0; for (let j = 0; j < 50; j++) a += new Array(2000).fill(j).length; return a; };
export default async (env) => {
  const pool = []; // {obj: stub|fetcher|method, kind, expect}
  let ops = 0, errors = [];
  for (let it = 0; it < +env.N; it++) {
    const r = rnd(10);
    if (r < 3 || pool.length === 0) {
      const s = env.LOADER.load(code);
      const w = { s, n: 0 };
      const k = rnd(3);
      if (k === 0) w.inc = s.getEntrypoint().inc;
      else if (k === 1) w.ge = s.getEntrypoint;
      else w.e = s.getEntrypoint();
      if (rnd(2)) w.s = null; // keep only the method / getEntrypoint / fetcher
      if (!w.s && !w.inc && !w.ge && !w.e) w.s = s;
      pool.push(w);
    } else if (r < 7) {
      const w = pool[rnd(pool.length)];
      const call = w.inc ? w.inc() : w.ge ? w.ge().inc() : w.e ? w.e.inc() : w.s.getEntrypoint().inc();
      const v = await call; w.n++;
      if (v !== w.n + (w.bonus || 0)) errors.push(`inc: got ${v} want ${w.n + (w.bonus || 0)}`);
    } else if (r < 8 && pool.length > 1) {
      const w = pool[rnd(pool.length)];
      if (w.s) {
        const b = env.LOADER.load({ compatibilityDate: '2026-01-01', env: { A: w.s }, modules: { 's.js': sibling } });
        const v = await b.getEntrypoint().g(); w.n++;
        if (v !== w.n + (w.bonus || 0)) errors.push(`sib: got ${v} want ${w.n + (w.bonus || 0)}`);
      }
    } else if (r < 9) {
      if (rnd(2)) pool.splice(rnd(pool.length), 1);
      else {
        const w = pool[rnd(pool.length)];
        if (w.s) {
          await w.s.getEntrypoint().later(rnd(2));
          await new Promise((res) => setTimeout(res, 4));
          w.bonus = (w.bonus || 0) + 1000;
        }
      }
    } else {
      churn();
      await new Promise((res) => setTimeout(res, rnd(3)));
    }
    ops++;
    if (pool.length > 200) pool.splice(0, 100);
  }
  return { ops, errors: errors.slice(0, 5), nerr: errors.length, pool: pool.length };
};
"""},
     args=["--env", "N=4000", "--cpu-ms", "60000", "--wall-ms", "120000", "--memory-mb", "1024"],
     result=lambda r: r["result"]["ops"] == 4000 and r["result"]["nerr"] == 0)

# Found in review: a parent guest made the host read a WorkerCode field it had left out
# (normalize's result had Object.prototype, so a getter there answered `tails`) and handed it
# the number of a fetcher the collector had just freed, with the worker it reached (unrooted,
# so collected with it): rooting that realm again crashed the process in 4 runs of 5. Now the
# spec has no prototype, and a number whose handle is dead is no capability (either alone
# stops it: "forged" is then harmless, or "refused").
case("a capability number forged into a WorkerCode field cannot reach a collected worker",
     {"w.js": r"""const child = 'let n = 0; export default { ping() { return ++n }, tail(ev) { globalThis.t = (globalThis.t||0)+1; return [1,2,3].map(x=>x*n).join() }, tails() { return globalThis.t||0 } }';
const X = 'export default { hi() { return "hi" } }';
const garbage = () => { let a = 0; for (let j = 0; j < 400; j++) a += new Array(4000).fill(j).length; return a; };
async function setup(env) {
  const s = env.LOADER.load({ compatibilityDate: '2026-01-01', modules: { 'c.js': child } });
  const e = s.getEntrypoint();
  await e.ping();
  return new WeakRef(e);
}
export default async (env) => {
  const wr = await setup(env);
  await new Promise(r => setTimeout(r, 5)); // W goes idle and is unrooted at a tick
  const log = [];
  for (let round = 0; round < 100; round++) {
    garbage();
    if (wr.deref() === undefined) {
      // W's handle (and realm) died in this job; the loader has not drained yet.
      Object.defineProperty(Object.prototype, 'tails', { configurable: true, get() { return this && this.sources ? [2] : undefined } });
      let x;
      try { x = env.LOADER.load({ compatibilityDate: '2026-01-01', tails: undefined, modules: { 'x.js': X } }); log.push('forged at round ' + round); }
      catch (err) { log.push('refused: ' + err.message); }
      delete Object.prototype.tails;
      if (x) {
        for (let i = 0; i < 5; i++) { log.push(await x.getEntrypoint().hi()); garbage(); await new Promise(r => setTimeout(r, 2)); }
      }
      return log;
    }
    await new Promise(r => setTimeout(r, 1));
  }
  return ['never collected', ...log];
};
"""},
     args=["--memory-mb", "1024"],
     result=lambda r: r["result"][0].startswith(("forged", "refused")) and
     all(x == "hi" for x in r["result"][1:]))

# Found in review: a handle once held the anchor of the worker it reaches in a JS property;
# guest code that replaced WeakMap.prototype.set (which the loader's JS calls) got the handle
# and so another realm's global and runtime. The anchor is now a private property of an
# opaque key. Everything the loader's JS hands the replaced built-ins is looked at: nothing of
# another realm (before the fix: the anchors); then every handle is broken and used again.
case("built-ins the loader's JS calls, replaced by the guest, see nothing of another realm",
     {"w.js": r"""// Guest code replaces the built-ins that the loader's own JS calls (before loader.js is
// evaluated in this realm and after), collects everything they are handed, and looks for
// anything of another realm: there must be nothing. Then it breaks every handle it holds
// and uses its capabilities again: they work or throw, and the process lives.
const stolen = [];
const keep = (...xs) => { for (const x of xs) if (x !== null && (typeof x === "object" || typeof x === "function")) stolen.push(x); };
const RA = Reflect.apply;
Reflect.apply = function (f, t, a) { keep(t); if (a) for (let i = 0; i < a.length; i++) keep(a[i]); return RA(f, t, a); };
const child = 'let n = 0; export default { inc() { return ++n } }';
const code = { compatibilityDate: "2026-01-01", modules: { "c.js": child } };
const churn = async () => { for (let j = 0; j < 400; j++) new Array(4000).fill(j); await new Promise((r) => setTimeout(r, 2)); };
function foreign(x) { return Object.getPrototypeOf(x) !== null && !(x instanceof Object); }
export default async (env) => {
  const wms = WeakMap.prototype.set, wmg = WeakMap.prototype.get, ms = Map.prototype.set;
  WeakMap.prototype.set = function (k, v) { keep(k, v); return RA(wms, this, [k, v]); };
  WeakMap.prototype.get = function (k) { const v = RA(wmg, this, [k]); keep(v); return v; };
  Map.prototype.set = function (k, v) { keep(k, v); return RA(ms, this, [k, v]); };
  const out = [];
  const stubs = [];
  for (let i = 0; i < 20; i++) {
    const s = env.LOADER.load(code);
    const e = s.getEntrypoint();
    out.push(await e.inc());
    stubs.push([s, e]);
  }
  await churn(); await churn();
  let seen = 0, bad = [];
  for (const x of stolen) {
    const vals = [x];
    for (const k of Reflect.ownKeys(x)) { try { const d = Object.getOwnPropertyDescriptor(x, k); if (d && "value" in d) vals.push(d.value); } catch {} }
    for (const v of vals) {
      if (v === null || (typeof v !== "object" && typeof v !== "function")) continue;
      seen++;
      if (foreign(v)) bad.push(Object.prototype.toString.call(v));
      if (Object.getPrototypeOf(v) === null && Reflect.ownKeys(v).length === 0) {
        // a key: nothing to read; try to break it
        try { Object.setPrototypeOf(v, { a: 1 }); } catch {}
      }
    }
  }
  for (const x of stolen) { try { if (Object.getPrototypeOf(x) === null && "key" in x) x.key = null; } catch {} }
  await churn(); await churn();
  let worked = 0, refused = 0;
  for (const [s, e] of stubs) {
    try { await e.inc(); worked++; } catch (err) { refused++; }
    try { await s.getEntrypoint().inc(); worked++; } catch (err) { refused++; }
  }
  return { inc: out.every((v) => v === 1), seen, bad, calls: worked + refused };
};
"""},
     args=["--memory-mb", "1024"],
     result=lambda r: r["result"]["inc"] and r["result"]["bad"] == [] and
     r["result"]["seen"] > 100 and r["result"]["calls"] == 40)

# Found in review: the loader's JS is evaluated in a realm when it first holds a capability,
# after the realm's own code ran, and its natives were put on an object with Object.prototype:
# a setter there received them (native.provide then let a get() callback start a worker twice,
# and the process crashed). The host's tables are objects without a prototype now.
case("setters on Object.prototype receive none of the host's natives (root and child)",
     {"w.js": r"""// Guest code puts setters for every loader.js native's name on Object.prototype before the
// loader's JS is evaluated in its realm (the root, and a child that gets a capability after
// its code ran): none of them may receive anything.
const names = ["get", "load", "entrypoint", "loopback", "call", "provide", "release", "track",
  "compile", "exists", "settle", "linker", "ready", "reply", "outbound", "extend", "wasmBytes",
  "kind", "fn", "name", "message", "stack", "code"];
const got = [];
for (const n of names)
  Object.defineProperty(Object.prototype, n, { __proto__: null, configurable: true, set(v) { if (typeof v === "function") got.push(n); } });
const child = 'const got = []; for (const n of ' + JSON.stringify(names) + ') Object.defineProperty(Object.prototype, n, ' +
  '{ __proto__: null, configurable: true, set(v) { if (typeof v === "function") got.push(n); } });' +
  'export default { async use(A) { await A.getEntrypoint().ping(); return got } }';
export default async (env) => {
  const a = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "a.js": "export default { ping() { return 1 } }" } });
  const b = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "b.js": child } });
  const inChild = await b.getEntrypoint().use(a);
  return { root: got, child: inChild };
};
"""},
     result=lambda r: r["result"] == {"root": [], "child": []})

# Found in review (fourth): a guest that replaced Promise.prototype.then before loader.js was
# evaluated got native.provide's callback and handed it a WorkerCode of its own, past
# normalize: limits such as cpuMs 1e300 reached C's integer casts. C checks every number again.
case("a WorkerCode handed to the host past loader.js's checks is checked again",
     {"w.js": r"""const log = [];
  const origThen = Promise.prototype.then;
  Promise.prototype.then = function (f, r) {
    if (typeof f === "function" && String(f).includes("native.provide(wid, spec)")) {
      const spec = { __proto__: null, names: ["a.js"], types: [0],
        sources: ["export default { ping() { const t = Date.now(); while (Date.now() - t < 200); return 'forged, spun 200ms' } }"],
        main: "a.js", hasEnv: false, outbound: 0, outboundId: -1,
        limits: { cpuMs: 1e300, wallMs: 4000000000, subRequests: 0 }, tails: undefined };
      try { f(spec); log.push("provided forged spec"); } catch (e) { log.push("err " + e); }
    }
    return origThen.call(this, f, r);
  };
export default async (env) => {
  const stub = env.LOADER.get("x", async () => ({ compatibilityDate: "2026-01-01", limits: { cpuMs: 10 }, modules: { "a.js": "export default { ping() { return 'normal' } }" } }));
  try { log.push(await stub.getEntrypoint().ping()); } catch (e) { log.push("rej " + e); }
  return log;
};
"""},
     result=lambda r: r["result"][0] == "provided forged spec" and
     "WorkerCode.limits.cpuMs must be a whole number" in r["result"][1])

# Found in review (fourth): loader.js's set-up reads the realm's built-ins; a getter there that
# asked for ctx.exports again evaluated loader.js twice in one realm (one copy stayed protected
# for good). The nested request is refused.
case("loader.js is set up once per realm, even when its set-up is asked for again from a getter",
     {"w.js": r"""const child = `
import { WorkerEntrypoint } from "cloudflare:workers";
let ctxRef = null, inner = null, reads = 0; const realFreeze = Object.freeze;
Object.defineProperty(Object, "freeze", { configurable: true, get() {
  reads++;
  if (ctxRef && inner === null) { inner = "pending"; inner = ctxRef.exports; }
  return realFreeze; } });
export class E extends WorkerEntrypoint { x() { return 1 } }
export default class extends WorkerEntrypoint {
  ping() { ctxRef = this.ctx; const outer = this.ctx.exports; return { same: outer === inner, innerType: typeof inner, reads }; }
}`;
export default async (env) => {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": child } });
  return await w.getEntrypoint().ping();
};
"""},
     exit=1, code="uncaught_exception",
     result=lambda r: "the loader is being set up in this worker" in r["error"]["message"])

# Found in review (fourth): ctx.exports's plain loopback capability was untracked, and, held in
# the worker's own table, it kept the worker alive for good: 1,500 load() children that read
# ctx.exports went over 256 MB (680 MB of RSS). Tracked, it goes with the realm.
case("load() workers that read ctx.exports are freed like the others",
     {"w.js": r"""const child = `
import { WorkerEntrypoint } from "cloudflare:workers";
let ctxRef = null, inner = null; const realFreeze = Object.freeze;
const big = new Array(5000).fill(0).map((_, i) => ({ i }));
if ("ctl" === "leak") Object.defineProperty(Object, "freeze", { configurable: true, get() {
  if (ctxRef && inner === null) { inner = "pending"; inner = ctxRef.exports; }
  return realFreeze; } });
export default class extends WorkerEntrypoint {
  ping() { ctxRef = this.ctx; const outer = this.ctx.exports; return big.length; }
}`;
export default async (env) => {
  for (let i = 0; i < 1500; i++) {
    const w = env.LOADER.load({ compatibilityDate: "2026-01-01", modules: { "c.js": child } });
    await w.getEntrypoint().ping();
  }
  return "done";
};
"""},
     args=["--memory-mb", "256", "--wall-ms", "120000", "--cpu-ms", "60000"],
     result=lambda r: r["result"] == "done")

case("tails: an entrypoint's tail() hears of each invocation (outcome, logs, exceptions, times)",
     {"w.js": """import { WorkerEntrypoint } from "cloudflare:workers";
const events = [];
export class Tail extends WorkerEntrypoint { tail(e) { events.push(e); } }
export default { async fetch(req, env, ctx) {
  const w = env.LOADER.load({ compatibilityDate: "2026-01-01", tails: [ctx.exports.Tail], limits: { cpuMs: 30 },
    modules: { "c.js": "export default { ok() { console.log('hi', 1); return 1; }, bad() { throw new TypeError('boom'); }, spin() { for(;;){} } }" } });
  const e = w.getEntrypoint();
  await e.ok(); try { await e.bad(); } catch {} try { await e.spin(); } catch {}
  for (let i = 0; i < 50 && events.length < 3; i++) await new Promise(r => setTimeout(r, 2));
  return Response.json(events.map(x => [x.outcome, x.method, x.logs.map(l => l.level + ':' + l.message),
    x.exceptions.map(y => y.name + ':' + y.message.slice(0, 30)), typeof x.cpuMs, typeof x.wallMs]));
} };"""},
     result=lambda r: json.loads(r["response"]["body"]) == [
         ["ok", "ok", ["log:hi 1"], [], "number", "number"],
         ["exception", "bad", [], ["TypeError:boom"], "number", "number"],
         ["exceededCpu", "spin", [], ["Error:Worker 'load()' exceeded its C"], "number", "number"]])

# ---- Bindings from the host --------------------------------------------------------------

case("--service NAME=FILE: a stub of another worker file (RPC and fetch)",
     {"w.js": """export default { async fetch(request, env) {
  const s = await env.SVC.sum(2, 3);
  const r = await env.SVC.fetch("http://svc/x");
  return new Response(s + " " + await r.text());
} };""",
      "svc.js": """import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  sum(a, b) { return a + b; }
  fetch(req) { return new Response("svc " + new URL(req.url).pathname); }
}"""}, args=["--service", "SVC=svc.js"], json_mode=False, stdout="5 svc /x")

case("bad flags: --loader and --service need names and files",
     {"w.js": "export default () => 1"}, args=["--service", "1bad=x.js"], exit=2, json_mode=False,
     stderr_has=["--service needs a binding name"])

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "loader.js")
with open(EXAMPLE) as f:
    case("examples/loader.js (what `make run` shows) works as its comments say",
         {"loader.js": f.read()}, args=["--url", "http://localhost/demo"],
         check=lambda r: r["ok"] and json.loads(r["response"]["body"]) == {
             "answer": {"saved": 'saved "buy milk" for ada', "network": "blocked (TypeError)",
                        "url": "http://localhost/demo"},
             "stopped": "cpu_limit_exceeded: Worker 'load()' exceeded its CPU time limit (20 ms)"})

if __name__ == "__main__":
    sys.exit(T.main())
