(function (native, load) {
  "use strict";
  // The sandbox's glue, evaluated once per realm before any guest code. It captures the
  // built-ins it needs now: guest code may replace globals later, which can only break the
  // guest itself. `native` holds the sandbox's C functions; nothing here is reachable from
  // the guest's global object.
  const { compile, exists, settle } = native;
  const makeLinkerFactory = native.linker;
  const JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  const PromiseCtor = Promise, PromiseResolve = Promise.resolve.bind(Promise);
  const PromiseAllSettled = Promise.allSettled.bind(Promise);
  const ArrayIsArray = Array.isArray, ObjectFreeze = Object.freeze;
  const ObjectGetPrototypeOf = Object.getPrototypeOf, ObjectPrototype = Object.prototype;
  const StringCtor = String;
  const INTERNAL = /^dynworker:/;

  const builtin = (spec) =>
    spec === "cloudflare:workers" || spec === "dynworker:workers" ? load("cloudflare:workers") : undefined;

  // JSC frames look like "fn@url:line:col"; show them the way Workers users know
  // ("    at fn (url:line:col)"), without the runtime's own frames.
  function formatStack(err) {
    // A syntax error's place is where the bad code is, not where it was imported from.
    if (ownErrors.has(err) && err.code === "syntax_error" && typeof err.sourceURL === "string")
      return "    at " + place(err.sourceURL, err.line, err.column, err.prefix || 0);
    let raw;
    try { raw = err && typeof err === "object" ? err.stack : undefined; } catch { raw = undefined; }
    if (typeof raw !== "string") return "";
    const out = [];
    for (const line of raw.split("\n")) {
      if (!line) continue;
      const at = line.lastIndexOf("@");
      const fn = at >= 0 ? line.slice(0, at) : "";
      const loc = fixLoc(at >= 0 ? line.slice(at + 1) : line);
      if (INTERNAL.test(loc) || loc === "[native code]" || !loc.includes(":")) continue;
      out.push(fn && fn !== "global code" && fn !== "module code"
        ? "    at " + fn + " (" + loc + ")" : "    at " + loc);
    }
    // A syntax error has no frames, only its position.
    if (!out.length && typeof err.line === "number" && typeof err.sourceURL === "string" &&
        !INTERNAL.test(err.sourceURL))
      out.push("    at " + place(err.sourceURL, err.line, err.column));
    return out.join("\n");
  }

  // Errors the sandbox itself raised (compile, resolution): their `code` is trusted.
  const ownErrors = new WeakSet();
  // Columns on line 1 include the module wrapper; `prefix` says how long it is per module.
  const prefixes = new Map();
  let compiled = null; // the main module, compiled once, handed on to the linker
  const compileTracked = (name) => {
    if (compiled !== null && compiled.name === name) {
      const c = compiled.c;
      compiled = null;
      return c;
    }
    try {
      const c = compile(name);
      if (typeof c.prefix === "number") prefixes.set(name, c.prefix);
      return c;
    } catch (e) {
      if (e !== null && typeof e === "object") ownErrors.add(e);
      throw e;
    }
  };
  // "url:line:col" with the wrapper's width taken off columns on line 1.
  function place(url, line, col, prefix) {
    const p = prefix !== undefined ? prefix : prefixes.get(url);
    if (line === 1 && p !== undefined && col > p) col -= p;
    return url + ":" + line + ":" + col;
  }
  const LOC = /^(.*):(\d+):(\d+)$/;
  function fixLoc(loc) {
    const m = LOC.exec(loc);
    return m ? place(m[1], +m[2], +m[3]) : loc;
  }

  function describe(err) {
    let name = "Error", message, code;
    try {
      if (err !== null && (typeof err === "object" || typeof err === "function")) {
        name = typeof err.name === "string" ? err.name : "Error";
        message = typeof err.message === "string" ? err.message : StringCtor(err);
        code = typeof err.code === "string" ? err.code : undefined;
      } else {
        name = "";
        message = StringCtor(err);
      }
    } catch {
      message = "(unprintable exception)";
    }
    // Only the runtime's own errors carry a code into the result; a guest cannot forge one.
    if (!ownErrors.has(err)) code = undefined;
    if (!code && name === "RangeError" && /^Out of memory/.test(message)) code = "memory_limit_exceeded";
    return { code: code || "uncaught_exception", name, message, stack: formatStack(err) };
  }

  // The linker is evaluated only for workers that import something.
  let linker = null;
  const getLinker = () => linker || (linker = makeLinkerFactory()(
    { compile: compileTracked, exists, builtin, own: (e) => { ownErrors.add(e); } }));

  // A main module without imports runs without the linker: its prologue registers its export
  // getters, its body runs, and only `default` is read (nothing else can see its namespace).
  async function importMain(main) {
    const c = compileTracked(main);
    if (c.kind !== "esm" || !c.simple) {
      compiled = { name: main, c };
      return getLinker().importMain(main);
    }
    let getters = null, linking = true;
    const m = ObjectFreeze({
      i() { throw new TypeError("unexpected import"); },
      e(g) {
        if (!linking) throw new TypeError("linking is over");
        getters = g;
      },
      s() {},
      d() { throw new TypeError("unexpected import()"); },
      meta: { __proto__: null, url: "file:///" + main },
    });
    const gen = c.fn(m);
    const first = gen.next();
    linking = false;
    await first;
    await gen.next();
    const get = getters && getters.default;
    return { default: typeof get === "function" ? get() : undefined };
  }

  function fail(err) { settle(false, JSONstringify(describe(err))); }

  async function respond(res) {
    const Response = load("Response");
    if (!(res instanceof Response))
      throw new TypeError("The fetch handler must return a Response (it returned " +
        (res === null ? "null" : typeof res) + ")");
    const headers = { __proto__: null };
    for (const [k, v] of res.headers) headers[k] = k in headers ? headers[k] + ", " + v : v;
    const body = await res.arrayBuffer();
    return { status: res.status, headers, body };
  }

  function makeRequest(r) {
    const Request = load("Request");
    const init = { method: r.method || "GET", headers: r.headers || [] };
    if (r.body !== undefined && r.body !== null) init.body = r.body;
    return new Request(r.url || "http://localhost/", init);
  }

  // Runs one invocation; the outcome reaches C through settle(ok, json[, body]).
  async function run(main, requestJson, argsJson, envJson) {
    try {
      const env = envJson ? JSONparse(envJson) : {};
      const ns = await importMain(main);
      const waits = [];
      const ctx = ObjectFreeze({
        waitUntil(p) { waits.push(PromiseResolve(p)); },
        passThroughOnException() {},
        props: ObjectFreeze({}),
      });
      let d = ns.default;
      // A class extending WorkerEntrypoint is instantiated. The check loads the module only
      // for a class that extends something: most workers never pay for it.
      if (typeof d === "function" && d.prototype !== null && typeof d.prototype === "object" &&
          ObjectGetPrototypeOf(d.prototype) !== ObjectPrototype &&
          d.prototype instanceof load("cloudflare:workers").WorkerEntrypoint)
        d = new d(ctx, env);
      if (d !== null && d !== undefined && typeof d.fetch === "function" &&
          (typeof d === "object" || requestJson !== null)) {
        const req = makeRequest(requestJson ? JSONparse(requestJson) : {});
        const res = await respond(await d.fetch(req, env, ctx));
        await PromiseAllSettled(waits);
        settle(true, JSONstringify({ kind: "response", status: res.status, headers: res.headers }),
          res.body);
      } else if (typeof d === "function") {
        const args = argsJson ? JSONparse(argsJson) : [env];
        const value = await d(...(ArrayIsArray(args) ? args : [args]));
        await PromiseAllSettled(waits);
        let json;
        try {
          json = JSONstringify(value === undefined ? null : value);
        } catch (e) {
          settle(false, JSONstringify({ code: "bad_result", name: "TypeError",
            message: "The result cannot be serialised as JSON: " + describe(e).message, stack: "" }));
          return;
        }
        settle(true, JSONstringify({ kind: "value" }), json === undefined ? "null" : json);
      } else {
        settle(true, JSONstringify({ kind: "module" }));
      }
    } catch (e) {
      fail(e);
    }
  }

  return { run, formatStack, reportTimerError: fail };
})
