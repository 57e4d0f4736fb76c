// dynworker module linker: runs in each sandbox realm before any guest code. Its completion
// value is a function (host) => api. See docs/internals/modules.md for the protocol.
(function (host) {
  "use strict";
  const O = Object, create = O.create, defProp = O.defineProperty, freeze = O.freeze;
  const keys = O.keys, noExt = O.preventExtensions, P = Promise, Err = Error, SynErr = SyntaxError;
  const uncurry = (f) => Function.prototype.call.bind(f);
  const then = uncurry(P.prototype.then), push = uncurry(Array.prototype.push);
  const sort = uncurry(Array.prototype.sort), join = uncurry(Array.prototype.join);
  const split = uncurry(String.prototype.split), slice = uncurry(String.prototype.slice);
  const starts = uncurry(String.prototype.startsWith), lastIdx = uncurry(String.prototype.lastIndexOf);
  const M = Map, mget = uncurry(M.prototype.get), mset = uncurry(M.prototype.set);
  const mdel = uncurry(M.prototype.delete), mhas = uncurry(M.prototype.has);
  const hcompile = uncurry(host.compile), hbuiltin = uncurry(host.builtin), hexists = uncurry(host.exists);
  // Optional: tells the host which errors are the linker's own (their `code` can be trusted).
  const hown = typeof host.own === "function" ? uncurry(host.own) : null;
  const tag = Symbol.toStringTag, Str = String, apply = Reflect.apply;
  const mforEach = uncurry(M.prototype.forEach);
  const LINKING = 1, LINKED = 2, EVALUATING = 3, DONE = 4, FAILED = 5;
  const registry = new M(), byNs = new M();
  let session = null;

  const isRel = (s) => starts(s, "./") || starts(s, "../") || starts(s, "/");
  function dirname(n) { const i = lastIdx(n, "/"); return i < 0 ? "" : slice(n, 0, i + 1); }
  function normalize(path) {
    const parts = split(path, "/"), out = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p === "" || p === ".") continue;
      if (p === "..") out.length = out.length ? out.length - 1 : 0;
      else push(out, p);
    }
    return join(out, "/");
  }
  function notFound(spec, from) {
    const e = new Err("Cannot find module '" + spec + "'" + (from === null ? "" : " imported from '" + from + "'"));
    e.code = "module_not_found";
    if (hown) hown(host, e);
    return e;
  }
  // `export default <anonymous function or class expression>` is compiled to
  // `const __dw_default = ...`, which names it "__dw_default"; ES names it "default".
  function defaultName(r) {
    const g = r.own && mget(r.own, "default");
    if (typeof g !== "function") return;
    let v;
    try { v = g(); } catch { return; }
    if (typeof v === "function" && v.name === "__dw_default") {
      try { defProp(v, "name", { value: "default", configurable: true }); } catch {}
    }
  }
  function finishNs(ns) { defProp(ns, tag, { value: "Module" }); noExt(ns); }
  function synthetic(r, value) {
    r.value = value;
    defProp(r.ns, "default", { value, enumerable: true });
    finishNs(r.ns);
    r.status = DONE;
  }

  // Finds or creates the record for `spec` imported by module `from` (null: the main module),
  // running an ES module's prologue (its imports, exports and star exports).
  function load(spec, from) {
    spec = Str(spec);
    if (starts(spec, "file:///")) spec = "/" + slice(spec, 8);
    let name;
    if (!isRel(spec)) {
      const key = "\0" + spec;
      let r = mget(registry, key);
      if (r) return r;
      const b = hbuiltin(host, spec);
      if (b !== undefined && b !== null) {
        r = { name: spec, kind: "builtin", ns: b, status: DONE, reqs: [] };
        mset(registry, key, r);
        mset(byNs, b, r);
        return r;
      }
      if (!hexists(host, spec)) throw notFound(spec, from);
      name = spec;
    } else {
      name = normalize((spec[0] === "/" || from === null ? "" : dirname(from)) + spec);
    }
    let r = mget(registry, name);
    if (r) return r;
    let c;
    try {
      c = hcompile(host, name);
    } catch (e) {
      if (e && e.code === "module_not_found") throw notFound(spec, from);
      throw e;
    }
    r = { name, kind: c.kind, ns: create(null), status: LINKING, reqs: [], own: null, stars: [] };
    mset(registry, name, r);
    mset(byNs, r.ns, r);
    push(session.list, r);
    if (c.kind === "esm") {
      const m = freeze({
        i: (s, names) => imp(r, s, names),
        e: (getters) => {
          if (r.status !== LINKING) throw new TypeError("linking is over");
          r.own = new M();
          const ks = keys(getters);
          for (let i = 0; i < ks.length; i++) mset(r.own, ks[i], getters[ks[i]]);
        },
        s: (ns) => { if (r.status === LINKING) push(r.stars, mget(byNs, ns)); },
        d: (s) => run(s, r.name),
        meta: { __proto__: null, url: "file:///" + name },
      });
      r.gen = c.fn(m);
      const first = r.gen.next();
      if (first instanceof P) {
        r.tla = true;
        r.linkP = first;
        then(first, undefined, () => {});
      }
      if (!r.own) r.own = new M();
      r.status = LINKED;
    } else if (c.kind === "cjs") {
      r.fn = c.fn;
      r.status = LINKED;
    } else {
      synthetic(r, c.value);
    }
    return r;
  }

  function imp(r, spec, names) {
    try {
      if (r.status !== LINKING) throw new TypeError("linking is over");
      const d = load(spec, r.name);
      push(r.reqs, { d, names, spec });
      return d.ns;
    } catch (e) {
      if (session && session.err === undefined) session.err = e;
      throw e;
    }
  }

  const AMBIGUOUS = {};
  // The getter that provides export `name` of ESM record r, following star exports.
  function resolveExport(r, name, seen) {
    const g = mget(r.own, name);
    if (g !== undefined) return g;
    if (name === "default" || mhas(seen, r)) return null;
    mset(seen, r, true);
    let found = null;
    for (let i = 0; i < r.stars.length; i++) {
      const d = r.stars[i];
      let g2 = null;
      if (d.kind === "esm") g2 = resolveExport(d, name, seen);
      else if (d.kind === "builtin" && name in d.ns) g2 = d.ns;
      if (g2 === AMBIGUOUS) return g2;
      if (g2 !== null && found !== null && g2 !== found) return AMBIGUOUS;
      if (g2 !== null) found = g2;
    }
    return found;
  }
  function exportNames(r, seen, out) {
    if (mhas(seen, r)) return;
    mset(seen, r, true);
    if (r.kind === "builtin") { const ks = keys(r.ns); for (let i = 0; i < ks.length; i++) push(out, ks[i]); return; }
    if (r.kind !== "esm") return;
    mforEach(r.own, (v, k) => push(out, k));
    for (let i = 0; i < r.stars.length; i++) exportNames(r.stars[i], seen, out);
  }

  function provides(d, name) {
    if (d.kind === "cjs") return true;
    if (d.kind === "builtin") return name in d.ns;
    if (d.kind !== "esm") return name === "default";
    return resolveExport(d, name, new M());
  }

  // Checks imported names and builds the namespaces of the records a session created.
  function link(list) {
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      for (let j = 0; j < r.reqs.length; j++) {
        const q = r.reqs[j];
        for (let k = 0; k < q.names.length; k++) {
          const g = provides(q.d, q.names[k]);
          if (!g) throw new SynErr("The requested module '" + q.spec + "' does not provide an export named '" + q.names[k] + "' (imported from '" + r.name + "')");
          if (g === AMBIGUOUS) throw new SynErr("The requested module '" + q.spec + "' contains conflicting star exports for name '" + q.names[k] + "' (imported from '" + r.name + "')");
        }
      }
    }
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r.kind !== "esm") continue;
      const names = [], seen = new M();
      exportNames(r, new M(), names);
      sort(names);
      for (let j = 0; j < names.length; j++) {
        const n = names[j];
        if (mhas(seen, n) || (n === "default" && !mhas(r.own, n))) continue;
        mset(seen, n, true);
        const g = resolveExport(r, n, new M());
        if (g === null || g === AMBIGUOUS) continue;
        const get = typeof g === "function" ? g : () => g[n];
        defProp(r.ns, n, { get, enumerable: true });
      }
      finishNs(r.ns);
    }
  }

  function linkFrom(spec, from) {
    const saved = session, s = (session = { list: [], err: undefined });
    let r;
    try {
      try { r = load(spec, from); } catch (e) { if (s.err === undefined) s.err = e; }
      if (s.err === undefined) {
        try { link(s.list); } catch (e) { s.err = e; }
      }
    } finally {
      session = saved;
    }
    if (s.err !== undefined) {
      for (let i = 0; i < s.list.length; i++) { mdel(registry, s.list[i].name); mdel(byNs, s.list[i].ns); }
      throw s.err;
    }
    return { r, s };
  }

  function waitAll(ps) {
    return new P((res, rej) => {
      let n = ps.length;
      if (!n) return res();
      for (let i = 0; i < ps.length; i++) then(ps[i], () => { if (--n === 0) res(); }, rej);
    });
  }

  function cjsNs(r) {
    const ex = r.module.exports, ns = r.ns;
    defProp(ns, "default", { get: () => r.module.exports, enumerable: true });
    if (ex !== null && (typeof ex === "object" || typeof ex === "function")) {
      const ks = keys(ex);
      sort(ks);
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i];
        if (k !== "default") defProp(ns, k, { get: () => r.module.exports[k], enumerable: true });
      }
    }
    finishNs(ns);
  }

  // ES evaluation order: dependencies first; returns a promise while async work is pending.
  function evaluate(r) {
    if (r.status === DONE) return r.done;
    if (r.status === FAILED) throw r.error;
    if (r.status === EVALUATING) return undefined;
    r.status = EVALUATING;
    try {
      if (r.kind === "cjs") {
        const module = { exports: {}, id: r.name, filename: r.name, loaded: false };
        r.module = module;
        const dir = dirname(r.name);
        apply(r.fn, module.exports, [module.exports, makeRequire(r), module, "/" + r.name, "/" + slice(dir, 0, dir.length - 1)]);
        module.loaded = true;
        cjsNs(r);
      } else {
        const waits = [];
        for (let i = 0; i < r.reqs.length; i++) {
          const p = evaluate(r.reqs[i].d);
          if (p) push(waits, p);
        }
        const body = () => {
          const res = r.gen.next();
          if (!r.tla) return defaultName(r);
          return then(res, () => { defaultName(r); });
        };
        r.done = waits.length ? then(waitAll(waits), body) : body();
        if (r.done) {
          r.done = then(r.done, undefined, (e) => { r.status = FAILED; r.error = e; throw e; });
          then(r.done, undefined, () => {});
        }
      }
      r.status = DONE;
      return r.done;
    } catch (e) {
      r.status = FAILED;
      r.error = e;
      throw e;
    }
  }

  function makeRequire(from) {
    return function require(spec) {
      const { r, s } = linkFrom(spec, from.name);
      if (r.kind === "builtin") return r.ns;
      if (r.kind === "cjs") {
        if (r.status === EVALUATING) return r.module.exports;
        evaluate(r);
        return r.module.exports;
      }
      if (r.kind !== "esm") return r.value;
      for (let i = 0; i < s.list.length; i++)
        if (s.list[i].tla) throw new Err("require() of ES module '" + r.name + "' which uses top-level await is not supported");
      if (evaluate(r)) throw new Err("require() of ES module '" + r.name + "' whose graph is still evaluating asynchronously");
      return r.ns;
    };
  }

  // Loads, links and evaluates spec (imported by `from`); a promise of its namespace.
  function run(spec, from) {
    return new P((res, rej) => {
      const { r, s } = linkFrom(spec, from);
      const go = () => {
        try {
          const d = evaluate(r);
          if (d) then(d, () => res(r.ns), rej);
          else res(r.ns);
        } catch (e) {
          rej(e);
        }
      };
      const lp = [];
      for (let i = 0; i < s.list.length; i++) if (s.list[i].linkP) push(lp, s.list[i].linkP);
      if (lp.length) then(waitAll(lp), go, rej);
      else go();
    });
  }

  return freeze({ importMain: (name) => run(name, null) });
})
