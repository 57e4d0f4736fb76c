// The lazy installer, evaluated eagerly in every realm: keep it tiny and cheap.
// Called from C with (native, spec, t0, origin); returns load(name).
// `native` is the only host object involved; it stays in this closure. Factories receive the
// frozen `H` of closures around it, the primordials `P` (captured at the first use of any
// API), and `load` for the APIs they depend on.
(function (native, spec, t0, origin) {
  'use strict';
  const G = globalThis;
  const { defineProperty, freeze } = Object;
  // The primordials are captured when the first API is used, not here: building and freezing
  // this object in every realm cost ~0.12 ms, most of the installer (bench/coldstart). A guest
  // that replaces a built-in before its first Web API call only changes its own realm.
  let P;
  const primordials = () => freeze({
    __proto__: null, Object, Function, Array, String, Number, Boolean, Symbol, BigInt, Math,
    JSON, Reflect, Proxy, Promise, Date, RegExp, Map, Set, WeakMap, WeakSet, WeakRef,
    Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
    AggregateError, ArrayBuffer, DataView, Uint8Array, Int8Array, Uint8ClampedArray,
    Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array,
    BigInt64Array, BigUint64Array, Float16Array: G.Float16Array, isFinite, parseInt,
    parseFloat, globalThis: G,
    // Our own lazy APIs: read through load() when used (reading G.URL here would recurse).
    get URL() { return load('URL'); },
    get URLSearchParams() { return load('URLSearchParams'); },
  });
  // H too is made at the first API use; nothing here runs a JS-implemented built-in (such as
  // the array iterator behind for-of), which a fresh VM would have to compile first.
  let H;
  const helpers = () => freeze({
    __proto__: null,
    log: (level, msg) => { native(1, level, msg); },
    timerSet: (fn, ms, repeat) => native(2, fn, ms, repeat),
    timerClear: (id) => { native(3, id); },
    random: (view) => { native(4, view); },
    now: () => native(5) - t0,
    timeOrigin: origin,
    utf8Encode: (s) => native(6, s),
    utf8Decode: (view) => native(7, view),
    zlibNew: (format, decompress) => native(8, format, decompress),
    zlibPush: (h, input, finish, state) => native(9, h, input, finish, state),
    zlibEnd: (h) => { native(10, h); },
    subtle: (op, a, b, c, d, e, f) => native(11, op, a, b, c, d, e, f),
  });
  const TypeErr = TypeError;
  const cache = { __proto__: null };
  // `spec` is "name name | name | ...": names separated by spaces, factories (in table
  // order) by a "|" token. name -> factory index, built at the first load(): creating a realm
  // only needs the list of global names (each step here runs cold, once per realm: keep it
  // short). By then the guest may have replaced String.prototype.split: the built-ins are
  // captured now.
  const apply = Reflect.apply, split = String.prototype.split;
  let index;
  const indexOf = (name) => {
    if (index === undefined) {
      index = { __proto__: null };
      const tokens = apply(split, spec, [' ']);
      for (let i = 0, group = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t === '|') group++;
        else if (t) index[t] = group;
      }
    }
    return index[name];
  };
  function load(name) {
    const i = indexOf(name);
    if (i === undefined) throw new TypeErr(`unknown Web API: ${name}`);
    let exports = cache[i];
    if (exports === undefined) {
      if (P === undefined) {
        P = primordials();
        H = helpers();
      }
      exports = native(0, i)(H, P, load);
      cache[i] = exports;
    }
    return exports[name];
  }
  const data = (o, name, value) =>
    defineProperty(o, name, { value, writable: true, enumerable: false, configurable: true });
  // The globals: every name but the internal ('%...') and module ('a:b') ones, each an
  // accessor that loads its API at first use. One split and one loop, with no function called
  // per name: a function called for each of the ~60 names passes the baseline JIT's threshold
  // and was compiled again in many realms (JSC_reportCompileTimes), as was split() called per
  // group. (No regular expression here either: in a VM of its own each would be compiled
  // first, measured +0.1-0.3 ms.)
  const tokens = spec.split(' ');
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i];
    if (name.length < 2 || name[0] === '%' || name.indexOf(':') >= 0) continue;
    defineProperty(G, name, {
      configurable: true,
      enumerable: false,
      get() {
        const value = load(name);
        data(G, name, value);
        return value;
      },
      set(value) {
        data((typeof this === 'object' && this !== null) || typeof this === 'function' ? this : G,
             name, value);
      },
    });
  }
  data(G, 'self', G);
  return load;
})
