(function (native, load) {
  "use strict";
  // The Worker Loader's JavaScript side, evaluated in a realm the first time it holds a
  // capability (a loader binding, a worker stub, an entrypoint). Capabilities are objects
  // whose only link to the host is a number kept in this closure (`ids`): guest code cannot
  // read, forge or change it, and the host resolves the number against this realm's own
  // table, so a realm can use only what it was given. `native` never leaves this closure.
  const ObjectFreeze = Object.freeze, ObjectCreate = Object.create, ObjectKeys = Object.keys;
  const ObjectGetPrototypeOf = Object.getPrototypeOf, ObjectHasOwn = Object.hasOwn;
  const ArrayIsArray = Array.isArray, ArrayBufferIsView = ArrayBuffer.isView;
  const ArrayBufferCtor = ArrayBuffer, Uint8ArrayCtor = Uint8Array;
  const PromiseCtor = Promise, ProxyCtor = Proxy, WeakMapCtor = WeakMap, MapCtor = Map;
  const PromiseThen = Promise.prototype.then;
  const StringCtor = String, NumberIsFinite = Number.isFinite, JSONstringify = JSON.stringify;
  const TypeErr = TypeError, ErrorCtor = Error;
  const ERRORS = { __proto__: null, Error, TypeError, RangeError, SyntaxError, ReferenceError,
    EvalError, URIError };
  const apply = Reflect.apply;
  const mapGet = (m, k) => apply(MapCtor.prototype.get, m, [k]);
  const mapSet = (m, k, v) => apply(MapCtor.prototype.set, m, [k, v]);
  const mapDelete = (m, k) => apply(MapCtor.prototype.delete, m, [k]);
  const wmGet = (m, k) => apply(WeakMapCtor.prototype.get, m, [k]);
  const wmSet = (m, k, v) => apply(WeakMapCtor.prototype.set, m, [k, v]);

  const ids = new WeakMapCtor(); // capability object -> its handle
  const callbacks = new MapCtor(); // worker stub number -> get()'s callback

  const KIND_WORKER = 0, KIND_ENTRY = 1, KIND_LOADER = 2;

  // A capability's handle: its number and, when its object dies with it, a key that the host
  // tracks (an opaque object with no prototype and no properties; the host may make it hold
  // the realm of the worker the number reaches, which no JS can see). The object and every
  // closure that can use the number hold the handle, never the bare number, so nothing can
  // use a number after its key is collected. `tracked`: the number is released when the key
  // is collected (fetchers and load() stubs; a get() stub's number stays, its callback may
  // be asked for the code again).
  function handle(id, tracked) {
    return { __proto__: null, id, key: tracked ? native.track(id) : null };
  }

  function own(obj, h) {
    wmSet(ids, obj, h);
    return obj;
  }

  // An Error of this realm from a descriptor {name, message, stack, code}.
  function rebuild(d) {
    if (d === null || typeof d !== "object") return d;
    const name = typeof d.name === "string" ? d.name : "Error";
    const E = ERRORS[name] || ErrorCtor;
    const e = new E(typeof d.message === "string" ? d.message : "");
    if (E === ErrorCtor && name !== "Error")
      Object.defineProperty(e, "name", { value: name, writable: true, configurable: true });
    if (typeof d.stack === "string")
      Object.defineProperty(e, "stack", { value: (name ? name + ": " : "") + e.message +
        (d.stack ? "\n" + d.stack : ""), writable: true, configurable: true });
    if (typeof d.code === "string")
      Object.defineProperty(e, "code", { value: d.code, writable: true, configurable: true });
    return e;
  }

  function call(h, method, args) {
    return new PromiseCtor((resolve, reject) => {
      native.call(h.id, method, args, resolve, reject);
    });
  }

  // fetch over a capability: the Request crosses as plain data, the Response comes back so.
  async function fetchVia(h, input, init) {
    const Request = load("Request"), Response = load("Response");
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    const headers = [];
    for (const [k, v] of req.headers) headers[headers.length] = [k, v];
    const body = req.method === "GET" || req.method === "HEAD" ? null : await req.arrayBuffer();
    const r = await call(h, "fetch", [{ method: req.method, url: req.url, headers, body }]);
    const nullBody = r.status === 101 || r.status === 204 || r.status === 205 || r.status === 304;
    const rh = [];
    const keys = ObjectKeys(r.headers || {});
    for (let i = 0; i < keys.length; i++) rh[rh.length] = [keys[i], r.headers[keys[i]]];
    return new Response(nullBody ? null : r.body, { status: r.status, statusText: r.statusText || "", headers: rh });
  }

  // An entrypoint (a "Fetcher"): fetch(), and any other method name is an RPC call.
  function makeFetcher(h) {
    const methods = new MapCtor();
    return own(new ProxyCtor(() => {}, {
      get(t, name) {
        if (typeof name !== "string" || name === "then" || name === "constructor") return undefined;
        let f = mapGet(methods, name);
        if (f === undefined) {
          f = name === "fetch" ? (input, init) => fetchVia(h, input, init)
            : (...args) => call(h, name, args);
          mapSet(methods, name, f);
        }
        return f;
      },
      set() { return false; },
      defineProperty() { return false; },
      deleteProperty() { return false; },
      has(t, name) { return typeof name === "string" && name !== "then"; },
      getOwnPropertyDescriptor() { return undefined; },
      ownKeys() { return []; },
      getPrototypeOf() { return null; },
      setPrototypeOf() { return false; },
      preventExtensions() { return false; },
      isExtensible() { return true; },
    }), h);
  }

  function checkOpts(opts, where) {
    if (opts === undefined || opts === null) return [undefined, undefined];
    if (typeof opts !== "object") throw new TypeErr(`${where}: options must be an object`);
    const limits = opts.limits;
    if (limits !== undefined && (limits === null || typeof limits !== "object"))
      throw new TypeErr(`${where}: limits must be an object`);
    return [opts.props, limits === undefined ? undefined : checkLimits(limits, where + ".limits")];
  }

  function makeStub(wid, tracked) {
    const h = handle(wid, tracked);
    const stub = {
      getEntrypoint(name, opts) {
        if (name !== undefined && name !== null && typeof name !== "string")
          throw new TypeErr("getEntrypoint(name): name must be a string");
        const [props, limits] = checkOpts(opts, "getEntrypoint");
        const id = native.entrypoint(h.id, name === undefined ? null : name, props, limits);
        return makeFetcher(handle(id, true));
      },
    };
    return own(ObjectFreeze(stub), h);
  }

  const MODULE_TYPES = { __proto__: null, js: 1, cjs: 2, ts: 3, json: 4, text: 5, data: 6, wasm: 7 };

  function bytesOf(v, where) {
    if (v instanceof ArrayBufferCtor) return v;
    if (ArrayBufferIsView(v)) return new Uint8ArrayCtor(v.buffer, v.byteOffset, v.byteLength).slice().buffer;
    throw new TypeErr(`${where} must be an ArrayBuffer or a typed array`);
  }

  function checkLimits(l, where) {
    const out = { __proto__: null };
    for (const k of ["cpuMs", "wallMs", "memoryMb", "subRequests"]) {
      const v = l[k];
      if (v === undefined) continue;
      if (typeof v !== "number" || !NumberIsFinite(v) || v < (k === "subRequests" ? 0 : 1) || v > 3600000 || v !== Math.floor(v))
        throw new TypeErr(`${where}.${k} must be a whole number from ${k === "subRequests" ? 0 : 1} to 3600000`);
      out[k] = v;
    }
    return out;
  }

  // WorkerCode -> what the host builds a worker from. Every field is checked here, with a
  // TypeError that names it.
  function normalize(code) {
    if (code === null || typeof code !== "object") throw new TypeErr("WorkerCode must be an object");
    const date = code.compatibilityDate;
    if (typeof date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new TypeErr("WorkerCode.compatibilityDate is required: a date string such as \"2026-01-01\"");
    const flags = code.compatibilityFlags;
    if (flags !== undefined && (!ArrayIsArray(flags) || flags.some((f) => typeof f !== "string")))
      throw new TypeErr("WorkerCode.compatibilityFlags must be an array of strings");
    const modules = code.modules;
    if (modules === null || typeof modules !== "object" || ArrayIsArray(modules))
      throw new TypeErr("WorkerCode.modules must be an object mapping module names to code");
    const names = ObjectKeys(modules);
    if (names.length === 0) throw new TypeErr("WorkerCode.modules is empty");
    const main = code.mainModule === undefined ? names[0] : code.mainModule;
    if (typeof main !== "string" || !ObjectHasOwn(modules, main))
      throw new TypeErr(`WorkerCode.mainModule must name one of the modules (${JSONstringify(main)} is not one)`);
    const types = [], sources = [];
    for (let i = 0; i < names.length; i++) {
      const n = names[i], m = modules[n], where = `WorkerCode.modules[${JSONstringify(n)}]`;
      if (typeof m === "string") {
        types[i] = 0;
        sources[i] = m;
        continue;
      }
      if (m === null || typeof m !== "object")
        throw new TypeErr(`${where} must be a string or an object with one of js, cjs, ts, text, data, json, wasm`);
      const ks = ObjectKeys(m);
      if (ks.length !== 1 || MODULE_TYPES[ks[0]] === undefined)
        throw new TypeErr(`${where} must have exactly one of js, cjs, ts, text, data, json, wasm (it has ${ks.join(", ") || "none"})`);
      const k = ks[0], v = m[k];
      types[i] = MODULE_TYPES[k];
      if (k === "data" || k === "wasm") sources[i] = bytesOf(v, `${where}.${k}`);
      else if (k === "json") {
        const s = JSONstringify(v);
        if (s === undefined) throw new TypeErr(`${where}.json cannot be serialised as JSON`);
        sources[i] = s;
      } else if (typeof v !== "string") throw new TypeErr(`${where}.${k} must be a string`);
      else sources[i] = v;
    }
    // Null prototype, every field own: the host reads exactly what is checked here (a getter
    // on Object.prototype must not answer for a field left out).
    const out = { __proto__: null, main, names, types, sources, env: code.env,
      hasEnv: code.env !== undefined, outbound: 0, outboundId: -1, limits: undefined,
      tails: undefined };
    if (code.env !== undefined && (code.env === null || typeof code.env !== "object"))
      throw new TypeErr("WorkerCode.env must be an object");
    if ("globalOutbound" in code && code.globalOutbound !== undefined) {
      const g = code.globalOutbound;
      if (g === null) out.outbound = 1;
      else {
        const gh = typeof g === "object" || typeof g === "function" ? wmGet(ids, g) : undefined;
        if (gh === undefined)
          throw new TypeErr("WorkerCode.globalOutbound must be null or an entrypoint stub (from ctx.exports or getEntrypoint())");
        out.outbound = 2;
        out.outboundId = gh.id;
      }
    }
    if (code.limits !== undefined) {
      if (code.limits === null || typeof code.limits !== "object") throw new TypeErr("WorkerCode.limits must be an object");
      out.limits = checkLimits(code.limits, "WorkerCode.limits");
    }
    if (code.tails !== undefined) {
      if (!ArrayIsArray(code.tails)) throw new TypeErr("WorkerCode.tails must be an array of entrypoint stubs");
      const tails = ObjectCreate(null);
      tails.length = code.tails.length;
      for (let i = 0; i < code.tails.length; i++) {
        const t = code.tails[i];
        const th = t !== null && (typeof t === "object" || typeof t === "function") ? wmGet(ids, t) : undefined;
        if (th === undefined) throw new TypeErr(`WorkerCode.tails[${i}] must be an entrypoint stub`);
        tails[i] = th.id;
      }
      out.tails = tails;
    }
    return out;
  }

  function describe(e) {
    try {
      if (e !== null && typeof e === "object")
        return { name: StringCtor(e.name), message: StringCtor(e.message), stack: typeof e.stack === "string" ? e.stack : "" };
    } catch {}
    return { name: "Error", message: StringCtor(e), stack: "" };
  }

  function makeLoader(lid) {
    const binding = {
      get(name, callback) {
        if (typeof name !== "string" || name.length === 0 || name.length > 1024)
          throw new TypeErr("LOADER.get(id, callback): id must be a non-empty string of at most 1024 characters");
        if (typeof callback !== "function")
          throw new TypeErr("LOADER.get(id, callback): callback must be a function returning a WorkerCode");
        const wid = native.get(lid, name);
        mapSet(callbacks, wid, callback);
        return makeStub(wid, false);
      },
      load(code) {
        const wid = native.load(lid, normalize(code));
        return makeStub(wid, true);
      },
    };
    return own(ObjectFreeze(binding), handle(lid, false));
  }

  // The host asks for the code of a get() stub whose worker is not warm.
  function needCode(wid) {
    const cb = mapGet(callbacks, wid);
    apply(PromiseThen, (async () => {
      if (cb === undefined) throw new TypeErr("this worker stub has no callback");
      return normalize(await cb());
    })(), [(spec) => native.provide(wid, spec), (e) => native.provide(wid, null, describe(e))]);
  }

  // ctx.exports: each exported entrypoint as a loopback capability; called with {props}
  // it mints one that carries those props.
  function makeExports(ns) {
    const out = ObjectCreate(null);
    const WE = load("cloudflare:workers").WorkerEntrypoint;
    const names = [];
    const keys = ObjectKeys(ns);
    for (let i = 0; i < keys.length; i++) {
      const v = ns[keys[i]];
      if (keys[i] === "default" ? v !== undefined && v !== null
          : typeof v === "function" && v.prototype instanceof WE) names[names.length] = keys[i];
    }
    for (let i = 0; i < names.length; i++) {
      const entry = names[i] === "default" ? null : names[i];
      // Itself a capability (no props), and a function minting one with props.
      // Tracked, as every loopback: its number reaches this very worker, and an untracked
      // one kept it alive for good (a load() worker that read ctx.exports was never freed);
      // tracked, it is released with this realm's last object that can use it.
      const h = handle(native.loopback(entry, undefined), true);
      const fetcher = makeFetcher(h);
      const target = function (opts) {
        const [props] = checkOpts(opts, "ctx.exports." + names[i]);
        return makeFetcher(handle(native.loopback(entry, props), true));
      };
      const f = new ProxyCtor(target, {
        get(t, name) {
          if (typeof name !== "string" || name === "then") return undefined;
          return fetcher[name];
        },
      });
      out[names[i]] = own(f, h);
    }
    return ObjectFreeze(out);
  }

  function make(kind, id, tracked) {
    if (kind === KIND_WORKER) return makeStub(id, tracked);
    if (kind === KIND_LOADER) return makeLoader(id);
    return makeFetcher(handle(id, tracked));
  }

  function capOf(obj) {
    const h = wmGet(ids, obj);
    return h === undefined ? -1 : h.id;
  }

  return { capOf, make, needCode, makeExports, rebuild, describe };
})
