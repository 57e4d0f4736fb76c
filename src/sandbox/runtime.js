(function (native, load) {
  "use strict";
  // The sandbox's glue, evaluated once per realm before any guest code. It captures the
  // built-ins it needs now: guest code may replace globals later, which can only break the
  // guest itself. `native` holds the sandbox's C functions, an array in sandbox.c's order;
  // nothing here is reachable from the guest's global object.
  const compile = native[0], exists = native[1], settle = native[2], makeLinkerFactory = native[3];
  const ready = native[4], reply = native[5], outbound = native[6], extend = native[7];
  const JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  const PromiseCtor = Promise, PromiseResolve = Promise.resolve.bind(Promise);
  const PromiseAllSettled = Promise.allSettled.bind(Promise);
  const ArrayIsArray = Array.isArray, ObjectFreeze = Object.freeze;
  const ObjectGetPrototypeOf = Object.getPrototypeOf, ObjectPrototype = Object.prototype;
  const ObjectDefineProperty = Object.defineProperty, ReflectApply = Reflect.apply;
  const ArrayFrom = Array.from, TypeErr = TypeError;
  const StringCtor = String;
  const INTERNAL = /^(dynworker|dw):/;

  // No blocking waits. Atomics.wait on a shared buffer would block the executor's thread where
  // the engine's watchdog cannot reach (only the supervisor's kill ends it, with every other
  // invocation of that executor); no other agent exists in a realm that could ever wake it,
  // so nothing is lost. The other Atomics work on ordinary typed arrays as before.
  if (typeof Atomics === "object" && Atomics) {
    delete Atomics.wait;
    delete Atomics.waitAsync;
  }
  if (typeof WebAssembly === "object" && WebAssembly) guardWasmLazily(WebAssembly);

  // The guard below costs ~0.15 ms per realm (the engine builds WebAssembly's constructors
  // on first read), so it is installed at the first read of the global `WebAssembly`: the
  // namespace object is reachable from nothing else, and a getter that did not finish (a
  // stack overflow, a termination) leaves the accessor in place, so nobody gets it unguarded.
  // What the guard passes an original to is captured now, before any guest code runs.
  function guardWasmLazily(W) {
    const G = globalThis, wasmBytes = native[8];
    const tools = { construct: Reflect.construct, describe: Object.getOwnPropertyDescriptor,
      reject: Promise.reject.bind(Promise) };
    let guarded = false;
    const get = function WebAssembly() {
      if (!guarded) {
        cold().guardWasm(W, wasmBytes, tools);
        guarded = true;
      }
      const d = tools.describe(G, "WebAssembly");
      if (d !== undefined && d.get === get)
        ObjectDefineProperty(G, "WebAssembly", { value: W, writable: true, enumerable: false, configurable: true });
      return W;
    };
    ObjectDefineProperty(G, "WebAssembly", { get, enumerable: false, configurable: true,
      set(v) { ObjectDefineProperty(G, "WebAssembly", { value: v, writable: true, enumerable: false, configurable: true }); } });
  }


  const builtin = (spec) =>
    spec === "cloudflare:workers" || spec === "dynworker:workers" ? load("cloudflare:workers") : undefined;


  // Errors the sandbox itself raised (compile, resolution): their `code` is trusted.
  const ownErrors = new WeakSet();
  // Columns on line 1 include the module wrapper; `prefix` says how long it is per module.
  const prefixes = new Map();
  let compiled = null; // the main module, compiled once, handed on to the linker
  const compileTracked = (name, main) => {
    if (compiled !== null && compiled.name === name) {
      const c = compiled.c;
      compiled = null;
      return c;
    }
    try {
      const c = compile(name, main === true);
      if (typeof c.prefix === "number") prefixes.set(name, c.prefix);
      return c;
    } catch (e) {
      if (e !== null && typeof e === "object") ownErrors.add(e);
      throw e;
    }
  };


  // The linker is evaluated only for workers that import something.
  let linker = null;
  const getLinker = () => linker || (linker = makeLinkerFactory()(
    { compile: compileTracked, exists, builtin, own: (e) => { ownErrors.add(e); } }));

  // A main module without imports runs without the linker: its prologue registers its export
  // getters, its body runs, and only `default` is read (nothing else can see its namespace).
  // Without top-level await that all happens now, in one call of a plain function (c.main 2:
  // no generator, whose machinery each realm links for itself), and the namespace (an
  // object without a prototype) is returned; through the linker or with top-level await, a
  // promise of it.
  function importMain(main) {
    const c = compileTracked(main, true);
    if (c.kind !== "esm" || !c.main) {
      compiled = { name: main, c };
      return getLinker().importMain(main);
    }
    let getters = null, linking = true;
    // A module without imports uses only these two (i, s and d are the linker's).
    const m = ObjectFreeze({
      __proto__: null,
      e(g) {
        if (!linking) throw new TypeError("linking is over");
        getters = g;
        linking = false; // once: a plain module's body runs in the same call
      },
      meta: { __proto__: null, url: "file:///" + main },
    });
    if (c.main === 2) {
      c.fn(m);
      linking = false;
      return namespace(getters);
    }
    const gen = c.fn(m);
    const first = gen.next();
    linking = false;
    return (async () => {
      await first;
      await gen.next();
      return namespace(getters);
    })();
  }
  function namespace(getters) {
    const get = getters && getters.default;
    return { __proto__: null, default: typeof get === "function" ? get() : undefined };
  }

  function fail(err) {
    if (instance !== null && instance.serving) {
      // A worker serving calls keeps running: an error nothing caught is logged.
      try { load("console").error("Uncaught", err); } catch {}
      return;
    }
    settle(false, JSONstringify(describe(err)));
  }

  // ---- Instances: one worker loaded once, serving many invocations ----
  let instance = null;

  // Loads the main module; ready(ok, error descriptor) follows (at once when the module
  // loads synchronously: calls come later, as entries of their own).
  function init(main, env) {
    let ns;
    try {
      ns = importMain(main);
      if (ObjectGetPrototypeOf(ns) === null) {
        loaded(ns, env);
        return;
      }
    } catch (e) {
      ready(false, describe(e));
      return;
    }
    initLater(ns, env);
  }
  async function initLater(loading, env) {
    try {
      loaded(await loading, env);
    } catch (e) {
      ready(false, describe(e));
    }
  }
  function loaded(ns, env) {
    instance = { ns, env, exportsOf: extend(env, ns), exports: undefined, serving: true };
    ready(true);
  }

  // What an RPC call may invoke: a method found on the target's prototype chain below
  // Object.prototype (and below WorkerEntrypoint's own prototype), never a constructor.
  function rpcMethod(target, method) {
    if (method === "constructor" || method === "then")
      throw new TypeErr(`"${method}" cannot be called over RPC`);
    let o = target;
    // WorkerEntrypoint's prototype ends the walk; read only past the target itself, so that
    // a plain default export object never loads cloudflare:workers (a factory per realm).
    let base;
    while (o !== null && o !== ObjectPrototype &&
           (o === target || o !== (base === undefined ? (base = load("cloudflare:workers").WorkerEntrypoint.prototype) : base))) {
      const d = Object.getOwnPropertyDescriptor(o, method);
      if (d !== undefined) {
        const f = d.value !== undefined ? d.value : (d.get ? ReflectApply(d.get, target, []) : undefined);
        if (typeof f !== "function") throw new TypeErr(`"${method}" is not a method of this entrypoint`);
        return f;
      }
      o = ObjectGetPrototypeOf(o);
    }
    throw new TypeErr(`The entrypoint has no method "${method}"`);
  }

  // Invokes method of entrypoint `entry` (null: the default export); reply(token, ...) follows,
  // at once when an RPC method returns a value that is not an object (nothing to await).
  function invoke(token, entry, method, args, props) {
    try {
      if (instance === null) throw new TypeErr("the worker is not loaded");
      const { ns, env } = instance;
      const waits = [];
      const ctx = makeCtx(waits, props === undefined || props === null ? undefined : ObjectFreeze(props), instance);
      const name = entry === null ? "default" : entry;
      let d = ns[name];
      if (method === null) {
        cold().invokeHandler(token, d, args, env, ctx, waits);
        return;
      }
      if (d === undefined || (entry !== null && !isEntrypointClass(d)))
        throw new TypeErr(entry === null ? "The worker has no default export"
          : `The worker has no entrypoint named "${entry}" (an exported class extending WorkerEntrypoint)`);
      const isClass = isEntrypointClass(d);
      if (isClass) d = new d(ctx, env);
      if (method === "fetch") {
        if (d === null || (typeof d !== "object" && typeof d !== "function") || typeof d.fetch !== "function")
          throw new TypeErr("The entrypoint has no fetch handler");
        cold().invokeFetch(token, d, isClass, args, env, ctx, waits);
        return;
      }
      if (d === null || (typeof d !== "object" && typeof d !== "function"))
        throw new TypeErr("The entrypoint has no methods");
      const f = rpcMethod(d, method);
      const value = ReflectApply(f, d, ArrayIsArray(args) ? args : []);
      if (value !== null && (typeof value === "object" || typeof value === "function")) {
        replyLater(token, value, waits);
        return;
      }
      reply(token, true, value);
      if (waits.length) PromiseAllSettled(waits);
    } catch (e) {
      reply(token, false, describe(e));
    }
  }
  async function replyLater(token, value, waits) {
    try {
      const v = await value;
      reply(token, true, v);
      if (waits.length) PromiseAllSettled(waits);
    } catch (e) {
      reply(token, false, describe(e));
    }
  }

  // The worker's own fetch() (cold.fetch).
  function fetch(input, init) { return cold().fetch(input, init); }
  ObjectDefineProperty(globalThis, "fetch", { value: fetch, writable: true, configurable: true, enumerable: false });


  // Runs one invocation; the outcome reaches C through settle(ok, json[, body]).
  // A class extending WorkerEntrypoint (or another of cloudflare:workers' bases). The check
  // loads that module only for a class that extends something: most workers never pay.
  function isEntrypointClass(d) {
    return typeof d === "function" && d.prototype !== null && typeof d.prototype === "object" &&
      ObjectGetPrototypeOf(d.prototype) !== ObjectPrototype &&
      d.prototype instanceof load("cloudflare:workers").WorkerEntrypoint;
  }

  // ctx.exports comes from the sandbox's owner (loopback stubs), made on first read.
  function makeCtx(waits, props, inst) {
    return ObjectFreeze({
      waitUntil(p) { waits.push(PromiseResolve(p)); },
      passThroughOnException() {},
      props: props === undefined ? ObjectFreeze({}) : props,
      get exports() {
        if (inst.exports === undefined)
          inst.exports = typeof inst.exportsOf === "function" ? inst.exportsOf(inst.ns) : ObjectFreeze({});
        return inst.exports;
      },
    });
  }

  // The one-shot invocation (dw_sandbox_run); its outcome goes to settle(). When the main
  // module loaded synchronously, run() returns the call of its handler as a function, which
  // the sandbox runs as its next entry: after the microtasks the module's body queued, as a
  // handler on Workers runs after its module finished evaluating. Otherwise run() does it all
  // itself, asynchronously, and returns nothing. A handler that returns a value that is not an
  // object settles at once: no promise is made on the way of `export default () => "hi"`.
  function run(main, requestJson, argsJson, envJson) {
    let env, ns;
    try {
      env = envJson ? JSONparse(envJson) : {};
      ns = importMain(main);
    } catch (e) {
      fail(e);
      return undefined;
    }
    if (ObjectGetPrototypeOf(ns) === null) return () => { call(ns, requestJson, argsJson, env); };
    callLater(ns, requestJson, argsJson, env);
    return undefined;
  }
  async function callLater(loading, requestJson, argsJson, env) {
    let ns;
    try {
      ns = await loading;
    } catch (e) {
      fail(e);
      return;
    }
    call(ns, requestJson, argsJson, env);
  }

  function call(ns, requestJson, argsJson, env) {
    try {
      instance = { ns, env, exportsOf: extend(env, ns), exports: undefined };
      let d = ns.default, waits = null, ctx;
      if (isEntrypointClass(d)) {
        waits = [];
        ctx = makeCtx(waits, undefined, instance);
        d = new d(ctx, env);
      }
      if (d !== null && d !== undefined && typeof d.fetch === "function" &&
          (typeof d === "object" || requestJson !== null)) {
        if (waits === null) {
          waits = [];
          ctx = makeCtx(waits, undefined, instance);
        }
        serve(d, requestJson, env, ctx, waits);
      } else if (typeof d === "function") {
        const args = argsJson ? JSONparse(argsJson) : [env];
        const value = ReflectApply(d, undefined, ArrayIsArray(args) ? args : [args]);
        if (waits === null && (value === null || (typeof value !== "object" && typeof value !== "function")))
          settleValue(value);
        else
          settleLater(value, waits);
      } else {
        settle(true, '{"kind":"module"}');
      }
    } catch (e) {
      fail(e);
    }
  }
  async function settleLater(value, waits) {
    try {
      const v = await value;
      if (waits !== null) await PromiseAllSettled(waits);
      settleValue(v);
    } catch (e) {
      fail(e);
    }
  }
  function settleValue(value) {
    let json;
    try {
      json = JSONstringify(value === undefined ? null : value);
    } catch (e) {
      settle(false, JSONstringify({ code: "bad_result", name: "TypeError",
        message: "The result cannot be serialised as JSON: " + describe(e).message, stack: "" }));
      return;
    }
    settle(true, '{"kind":"value"}', json === undefined ? "null" : json);
  }

  // The arguments of a binding call (a C host binding, or a $http/$worker/$host descriptor of
  // the daemon) go to the host as JSON text (src/loader/host.c). JSON would turn a function or
  // a symbol into null (or drop it) and NaN or an infinity into null without a word, and say
  // nothing useful about a BigInt: all are refused with a TypeError naming where the value is
  // ("argument 0.items[3].cb is a function"). One pass with a replacer that looks only at
  // typeof; a second pass finds the path, only when the first one threw. `undefined` keeps
  // JSON's meaning: a property is dropped, an array element or an argument becomes null.
  // Captured here, before guest code: the host always gets the engine's own JSON.
  const NOT_JSON = ObjectFreeze({ __proto__: null });
  const MapCtor = Map, MapGet = Map.prototype.get, MapSet = Map.prototype.set;
  const IDENT = /^[A-Za-z_$][\w$]*$/, RegExpTest = RegExp.prototype.test;
  function jsonOnly(key, v) {
    const t = typeof v;
    if (t === "object" || t === "string" || t === "boolean" || t === "undefined" ||
        (t === "number" && v - v === 0)) return v;
    throw NOT_JSON;
  }
  // args (an array) -> its JSON text, or throws (a TypeError naming the place, or what a
  // getter, toJSON or JSON itself threw: a cycle is JSON's TypeError).
  function bindingArgs(args) {
    // The common call passes a few strings, numbers or booleans: no replacer needed.
    let plain = true;
    for (let i = 0; plain && i < args.length; i++) {
      const v = args[i], t = typeof v;
      plain = t === "string" || t === "boolean" || v === null || (t === "number" && v - v === 0);
    }
    if (plain) return JSONstringify(args);
    try {
      return JSONstringify(args, jsonOnly);
    } catch (e) {
      if (e !== NOT_JSON) throw e;
    }
    throw new TypeErr(cold().whereNotJson(args));
  }

  // The fetch handler's glue (fetch() itself is in makeCold).
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

  async function serve(d, requestJson, env, ctx, waits) {
    try {
      const req = makeRequest(requestJson ? JSONparse(requestJson) : {});
      const res = await respond(await d.fetch(req, env, ctx));
      await PromiseAllSettled(waits);
      settle(true, JSONstringify({ kind: "response", status: res.status, headers: res.headers }),
        res.body);
    } catch (e) {
      fail(e);
    }
  }

  const describe = (err) => cold().describe(err);

  // What most realms never run: error formatting, fetch() and the loader's fetch glue, the
  // WebAssembly guard, the path of a refused binding argument. The engine makes the functions
  // declared in a function (and links its code) per realm when that function is linked, here
  // when a realm is made: kept in makeCold, they cost a realm nothing until it needs one of
  // them (bench/coldstart mem new-only, ad hoc: ~30 KB of a realm's ~70 KB were the factory).
  let coldParts;
  function cold() { return coldParts === undefined ? (coldParts = makeCold()) : coldParts; }
  function makeCold() {

    // No shared memory (docs/SECURITY.md, F3): the realm has no SharedArrayBuffer, and the one
    // way to get one is WebAssembly: a Memory made with `shared`, or a module that declares or
    // imports a shared memory. Memory refuses `shared`; every entry point that compiles bytes
    // (Module, compile, instantiate, validate, and the streaming ones if the engine has them)
    // compiles a private copy that the native `wasmBytes` scanned (src/modules/wasm.c). The
    // originals live only in this closure: the wrappers replace them on `WebAssembly` and as
    // `constructor` of their prototypes, which are kept (instanceof and subclasses still work).
    function guardWasm(W, wasmBytes, tools) {
      // Captured at realm set-up (`tools`): everything an original is handed to. The rest may
      // be the guest's by now; at worst it breaks the guest's own wasm, since the engine only
      // ever compiles the private copy wasmBytes scanned.
      const ReflectConstruct = tools.construct, ObjectGetOwnPropertyDescriptor = tools.describe;
      const PromiseReject = tools.reject;
      // A guest that replaced these before its first use of WebAssembly gets a TypeError for
      // views and buffers here, not an exception from the getter of `WebAssembly`.
      const getter = (o, k) => {
        try { return ObjectGetOwnPropertyDescriptor(o, k).get; } catch { return undefined; }
      };
      const U8 = Uint8Array, IsView = ArrayBuffer.isView;
      let TA, DV, AB;
      try { TA = ObjectGetPrototypeOf(U8.prototype); DV = DataView.prototype; AB = ArrayBuffer.prototype; } catch {}
      const taParts = [getter(TA, "buffer"), getter(TA, "byteOffset"), getter(TA, "byteLength")];
      const dvParts = [getter(DV, "buffer"), getter(DV, "byteOffset"), getter(DV, "byteLength")];
      const abLength = getter(AB, "byteLength");
      const OrigModule = W.Module, OrigMemory = W.Memory, OrigInstance = W.Instance;
      const CompileErr = W.CompileError;
      const moduleExports = OrigModule.exports;
      const validate = W.validate;
      const SHARED = "shared memory is not available in this sandbox";

      const u8Of = (v, parts) =>
        new U8(ReflectApply(parts[0], v, []), ReflectApply(parts[1], v, []), ReflectApply(parts[2], v, []));
      // The scanned private copy of a BufferSource's bytes (an ArrayBuffer), or why it is
      // refused (a string); a TypeError, as the engine's, for anything that is no BufferSource.
      function scanned(src, where) {
        let r = wasmBytes(src);
        let view = false;
        try { view = IsView(src); } catch {}
        if (r === undefined && view) { // a DataView, or a view of an empty buffer
          let u8;
          try { u8 = u8Of(src, dvParts); } catch {
            try { u8 = u8Of(src, taParts); } catch {}
          }
          r = wasmBytes(u8);
        }
        if (r !== undefined) return r;
        let buffer = view;
        try { ReflectApply(abLength, src, []); buffer = true; } catch {}
        if (buffer) return "the WebAssembly module is empty (or its buffer detached)";
        throw new TypeErr(where + ": the first argument must be an ArrayBuffer or an ArrayBuffer view");
      }
      function bytesOf(src, where) {
        const r = scanned(src, where);
        if (typeof r === "string") throw new CompileErr(where + ": " + r);
        return r;
      }
      const isModule = (v) => {
        try { ReflectApply(moduleExports, null, [v]); return true; } catch { return false; }
      };
      // A replacement keeps the attributes of what it replaces (compile and co. are enumerable).
      const define = (o, k, v) => {
        const d = ObjectGetOwnPropertyDescriptor(o, k);
        ObjectDefineProperty(o, k, { value: v, writable: d ? d.writable : true,
          enumerable: d ? d.enumerable : false, configurable: d ? d.configurable : true });
      };
      function wrapCtor(name, orig, wrapper) {
        ObjectDefineProperty(wrapper, "prototype", { value: orig.prototype, writable: false, enumerable: false, configurable: false });
        define(orig.prototype, "constructor", wrapper);
        const statics = ["customSections", "imports", "exports"]; // no iterators: the guest's by now
        for (let i = 0; i < statics.length; i++)
          if (ObjectGetOwnPropertyDescriptor(orig, statics[i])) define(wrapper, statics[i], orig[statics[i]]);
        define(W, name, wrapper);
      }

      wrapCtor("Module", OrigModule, function Module(bytes) {
        if (new.target === undefined) throw new TypeErr("WebAssembly.Module must be called with new");
        return ReflectConstruct(OrigModule, [bytesOf(bytes, "WebAssembly.Module")], new.target);
      });
      // The descriptor is read once, in the engine's order, and the engine gets a plain copy
      // without `shared`: a getter cannot answer false here and true to the engine.
      wrapCtor("Memory", OrigMemory, function Memory(descriptor) {
        if (new.target === undefined) throw new TypeErr("WebAssembly.Memory must be called with new");
        if (descriptor === null || (typeof descriptor !== "object" && typeof descriptor !== "function"))
          return ReflectConstruct(OrigMemory, [descriptor], new.target);
        const d = { __proto__: null };
        const initial = descriptor.initial, minimum = descriptor.minimum, maximum = descriptor.maximum;
        if (descriptor.shared) throw new TypeErr("WebAssembly.Memory: " + SHARED);
        if (initial !== undefined) d.initial = initial;
        if (minimum !== undefined) d.minimum = minimum;
        if (maximum !== undefined) d.maximum = maximum;
        return ReflectConstruct(OrigMemory, [d], new.target);
      });

      // The engine's asynchronous compile and instantiate finish on the engine's own run loop,
      // which no sandbox loop turns: their promises never settled. They are made of the
      // synchronous constructors instead, which give the same results and errors (CompileError,
      // LinkError, a start function's exception) as settled promises; the compile's time is the
      // worker's own CPU time.
      const fns = {
        compile(bytes) {
          try {
            return PromiseResolve(ReflectConstruct(OrigModule, [bytesOf(bytes, "WebAssembly.compile")], OrigModule));
          } catch (e) { return PromiseReject(e); }
        },
        instantiate(source, importObject) {
          try {
            if (isModule(source)) return PromiseResolve(ReflectConstruct(OrigInstance, [source, importObject], OrigInstance));
            const module = ReflectConstruct(OrigModule, [bytesOf(source, "WebAssembly.instantiate")], OrigModule);
            const instance = ReflectConstruct(OrigInstance, [module, importObject], OrigInstance);
            return PromiseResolve({ module, instance });
          } catch (e) { return PromiseReject(e); }
        },
        validate(bytes) {
          const b = scanned(bytes, "WebAssembly.validate");
          return typeof b === "string" ? false : ReflectApply(validate, W, [b]);
        },
      };
      ObjectDefineProperty(fns.instantiate, "length", { value: 1 });
      // The streaming forms (absent from this engine; guarded should one appear) take a
      // Response: its bytes are read here and go the way of compile/instantiate.
      const viaResponse = (name, then) => async function (source, importObject) {
        const r = await source;
        if (r === null || typeof r !== "object" || typeof r.arrayBuffer !== "function")
          throw new TypeErr("WebAssembly." + name + ": the argument must be a Response or a promise of one");
        return then(await r.arrayBuffer(), importObject);
      };
      if (typeof W.compileStreaming === "function")
        fns.compileStreaming = viaResponse("compileStreaming", (b) => fns.compile(b));
      if (typeof W.instantiateStreaming === "function")
        fns.instantiateStreaming = viaResponse("instantiateStreaming", (b, i) => fns.instantiate(b, i));
      const names = ["compile", "instantiate", "validate", "compileStreaming", "instantiateStreaming"];
      for (let i = 0; i < names.length; i++) if (fns[names[i]] !== undefined) define(W, names[i], fns[names[i]]);
    }

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

    // The calling convention of run() (a host's one-shot invocation).
    async function invokeHandler(token, d, args, env, ctx, waits) {
      try {
        if (isEntrypointClass(d)) d = new d(ctx, env);
        let value;
        if (d !== null && d !== undefined && typeof d.fetch === "function" &&
            (typeof d === "object" || args[0] !== null)) {
          const req = makeRequest(args[0] === null ? {} : args[0]);
          const res = await d.fetch(req, env, ctx);
          const r = await respond(res);
          value = { kind: "response", status: r.status, statusText: res.statusText, headers: r.headers, body: r.body };
        } else if (typeof d === "function") {
          const a = args[1] === null ? [env] : args[1];
          value = { kind: "value", value: await d(...(ArrayIsArray(a) ? a : [a])) };
        } else {
          value = { kind: "module" };
        }
        await PromiseAllSettled(waits);
        reply(token, true, value);
      } catch (e) {
        reply(token, false, describe(e));
      }
    }
    async function invokeFetch(token, d, isClass, args, env, ctx, waits) {
      try {
        const req = makeRequest(args[0]);
        const res = isClass ? await d.fetch(req) : await d.fetch(req, env, ctx);
        const r = await respond(res);
        reply(token, true, { status: r.status, statusText: res.statusText, headers: r.headers, body: r.body });
        if (waits.length) PromiseAllSettled(waits);
      } catch (e) {
        reply(token, false, describe(e));
      }
    }

    // The worker's own fetch(): through its owner's egress (globalOutbound), never directly.
    // Redirects are followed here, not by the HTTP client, so that every hop goes through
    // outbound() again: the allow-list, the private-address guard and the subrequest count
    // see each one (docs/EGRESS.md).
    async function fetch(input, init) {
      const Request = load("Request"), Response = load("Response"), URLCtor = load("URL");
      const Headers = load("Headers");
      const req = new Request(input, init);
      let method = req.method, url = req.url;
      let headers = [];
      for (const [k, v] of req.headers) headers.push([k, v]);
      let body = method === "GET" || method === "HEAD" ? null : await req.arrayBuffer();
      const mode = req.redirect;
      let hops = 0;
      for (;;) {
        const r = await outbound({ method, url, headers, body, redirect: mode });
        const status = r.status;
        let location = null;
        // r.headers: [[name, value]...] from the network, a record from a gateway's Response.
        if (status === 301 || status === 302 || status === 303 || status === 307 || status === 308)
          location = new Headers(r.headers).get("location");
        if (location !== null && mode !== "manual") {
          if (mode === "error")
            throw new TypeErr("fetch(): " + url + " redirected (" + status + ") while redirect is 'error'");
          if (++hops > 20) throw new TypeErr("fetch(): more than 20 redirects, the last to " + location);
          let next;
          try { next = new URLCtor(location, url); } catch {
            throw new TypeErr("fetch(): " + url + " redirected to an invalid URL");
          }
          if (next.protocol !== "http:" && next.protocol !== "https:")
            throw new TypeErr("fetch(): " + url + " redirected to a " + next.protocol + " URL");
          if (next.username || next.password)
            throw new TypeErr("fetch(): " + url + " redirected to a URL with credentials");
          // The Fetch standard: 303 (but HEAD), and 301/302 of a POST, become a GET without
          // its body and the headers that describe it.
          if ((status === 303 && method !== "GET" && method !== "HEAD") ||
              ((status === 301 || status === 302) && method === "POST")) {
            method = "GET";
            body = null;
            headers = headers.filter(([k]) => !/^(content-(type|length|encoding|language|location))$/i.test(k));
          }
          // Credentials do not follow a request to another origin.
          if (next.origin !== new URLCtor(url).origin)
            headers = headers.filter(([k]) => !/^(authorization|proxy-authorization|cookie)$/i.test(k));
          url = next.href;
          continue;
        }
        const nullBody = status === 101 || status === 204 || status === 205 || status === 304;
        const res = new Response(nullBody ? null : r.body, { status, statusText: r.statusText || "", headers: r.headers });
        ObjectDefineProperty(res, "url", { value: url, configurable: true });
        ObjectDefineProperty(res, "redirected", { value: hops > 0, configurable: true });
        return res;
      }
    }


    function notJson(v) {
      const t = typeof v;
      return t === "function" ? "a function" : t === "symbol" ? "a symbol" : t === "bigint" ? "a BigInt"
        : t !== "number" || v - v === 0 ? null : v !== v ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    }
    function whereNotJson(args) {
      const paths = new MapCtor(); // holder -> its path
      let first = true, found = null;
      try {
        JSONstringify(args, function (key, v) {
          if (first) { first = false; return v; } // the wrapper {"": args}
          const at = this === args ? "argument " + key
            : ArrayIsArray(this) ? ReflectApply(MapGet, paths, [this]) + "[" + key + "]"
            : ReflectApply(MapGet, paths, [this]) +
              (ReflectApply(RegExpTest, IDENT, [key]) ? "." + key : "[" + JSONstringify(key) + "]");
          const what = notJson(v);
          if (what !== null) { // a path of long keys is cut: the message is for people
            found = (at.length > 256 ? StringCtor(at).slice(0, 256) + "…" : at) + " is " + what;
            throw NOT_JSON;
          }
          if (v !== null && typeof v === "object") ReflectApply(MapSet, paths, [v, at]);
          return v;
        });
      } catch (e) {
        if (e !== NOT_JSON) throw e;
      }
      return (found !== null ? found + ": " : "") +
        "binding arguments must be JSON values (no functions, symbols, BigInts, NaN or infinities)";
    }

    return ObjectFreeze({ __proto__: null, guardWasm, formatStack, describe, fetch, invokeHandler,
      invokeFetch, whereNotJson });
  }

  // sandbox_internal.h's RT_* order: an array, not a record (a chain of shapes per realm).
  return [run, init, invoke, fail, bindingArgs];
})
