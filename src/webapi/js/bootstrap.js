// The lazy installer, evaluated eagerly in every realm: keep it tiny and cheap.
// Called from C with (native, globals, spec, t0, origin); returns load(name).
// `native` is the only host object involved; it stays in this closure. Factories receive the
// frozen `H` of closures around it, the primordials `P` (captured at the first use of any
// API), and `load` for the APIs they depend on.
//
// What a realm pays for here is what runs at its creation: the engine links every function a
// realm enters (its own copy of the function's data, however little of it runs) and makes an
// object for each function declared directly inside it. So the function below only defines
// the globals; the loader itself (makeLoader) is linked at the first use of any API. Measured
// (bench/coldstart, RSS per live realm): the installer was ~41 KB, ~14 KB of it the link of
// the one big function it used to be.
(function (native, globals, spec, t0, origin) {
  'use strict';
  const G = globalThis;
  const defineProperty = Object.defineProperty;
  // Captured now, before any guest code: the loader splits `spec` with them at its first use.
  const apply = Reflect.apply, split = String.prototype.split;
  let loader;
  const load = (name) => (loader === undefined ? (loader = makeLoader()) : loader)(name);
  const data = (o, name, value) =>
    defineProperty(o, name, { value, writable: true, enumerable: false, configurable: true });
  // The globals (`globals`: every name of `spec` but the internal '%...' and module 'a:b'
  // ones, listed by the C side), each an accessor that loads its API at first use. One loop,
  // with no function called per name: a function called for each of the ~50 names passes the
  // baseline JIT's threshold and was compiled again in many realms (JSC_reportCompileTimes).
  for (let i = 0; i < globals.length; i++) {
    const name = globals[i];
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

  // load(name) itself: the API's exports, made once per realm by its factory. A guest that
  // replaces a built-in before its first Web API call only changes its own realm.
  function makeLoader() {
    const freeze = Object.freeze, TypeErr = TypeError;
    // The primordials: building and freezing this object in every realm cost ~0.12 ms.
    const P = freeze({
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
    // Nothing here runs a JS-implemented built-in (such as the array iterator behind
    // for-of), which a fresh VM would have to compile first.
    const H = freeze({
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
    // `spec` is "name name | name | ...": names separated by spaces, factories (in table
    // order) by a "|" token. name -> factory index.
    const index = { __proto__: null };
    const tokens = apply(split, spec, [' ']);
    for (let i = 0, group = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '|') group++;
      else if (t) index[t] = group;
    }
    const cache = { __proto__: null };
    return function loadOnce(name) {
      const i = index[name];
      if (i === undefined) throw new TypeErr(`unknown Web API: ${name}`);
      let exports = cache[i];
      if (exports === undefined) {
        exports = native(0, i)(H, P, load);
        cache[i] = exports;
      }
      return exports[name];
    };
  }
})
