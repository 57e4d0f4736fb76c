// structuredClone: the HTML structured clone algorithm (serialize + deserialize in one walk),
// with `transfer` of ArrayBuffers through ArrayBuffer.prototype.transfer.
(function (H, P, load) {
  'use strict';
  const { Object, Array, Map, Set, Date, RegExp, ArrayBuffer, DataView, Reflect, Symbol,
    String, Number, Boolean, BigInt, Error, WeakMap, WeakSet, TypeError, RangeError } = P;
  const DOMException = load('DOMException');
  const uncurry = (f) => (self, ...args) => Reflect.apply(f, self, args);
  const getter = (proto, key) => uncurry(Reflect.getOwnPropertyDescriptor(proto, key).get);
  const getProto = Reflect.getPrototypeOf;
  const TypedArray = getProto(P.Uint8Array);
  const taTag = getter(TypedArray.prototype, Symbol.toStringTag);
  const taBuffer = getter(TypedArray.prototype, 'buffer');
  const taOffset = getter(TypedArray.prototype, 'byteOffset');
  const taLength = getter(TypedArray.prototype, 'length');
  const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const abSlice = uncurry(ArrayBuffer.prototype.slice);
  const abTransfer = ArrayBuffer.prototype.transfer ? uncurry(ArrayBuffer.prototype.transfer) : null;
  const abDetached = Reflect.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')
    ? getter(ArrayBuffer.prototype, 'detached') : () => false;
  const abResizable = Reflect.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')
    ? getter(ArrayBuffer.prototype, 'resizable') : () => false;
  const abMax = Reflect.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'maxByteLength')
    ? getter(ArrayBuffer.prototype, 'maxByteLength') : abByteLength;
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const dateGetTime = uncurry(Date.prototype.getTime);
  const reSource = getter(RegExp.prototype, 'source');
  const reFlags = getter(RegExp.prototype, 'flags');
  const mapSize = getter(Map.prototype, 'size');
  const setSize = getter(Set.prototype, 'size');
  const mapEntries = uncurry(Map.prototype.entries);
  const setValues = uncurry(Set.prototype.values);
  const mapIterNext = uncurry(getProto(new Map().entries()).next);
  const setIterNext = uncurry(getProto(new Set().values()).next);
  const mapSet = uncurry(Map.prototype.set);
  const mapGet = uncurry(Map.prototype.get);
  const mapHas = uncurry(Map.prototype.has);
  const setAdd = uncurry(Set.prototype.add);
  const weakMapHas = uncurry(WeakMap.prototype.has);
  const weakSetHas = uncurry(WeakSet.prototype.has);
  const weakRefDeref = P.WeakRef ? uncurry(P.WeakRef.prototype.deref) : null;
  const objectToString = uncurry(Object.prototype.toString);
  const isError = Error.isError || ((v) => objectToString(v) === '[object Error]');
  const boxes = [uncurry(Number.prototype.valueOf), uncurry(String.prototype.valueOf),
    uncurry(Boolean.prototype.valueOf), uncurry(BigInt.prototype.valueOf)];
  const symbolValueOf = uncurry(Symbol.prototype.valueOf);
  const errorCtors = { __proto__: null, Error, EvalError: P.EvalError, RangeError,
    ReferenceError: P.ReferenceError, SyntaxError: P.SyntaxError, TypeError, URIError: P.URIError };
  // Objects with internal slots that cannot be cloned (browsers throw DataCloneError).
  const uncloneableTags = new Set(['Promise', 'Generator', 'AsyncGenerator', 'WeakRef',
    'FinalizationRegistry', 'Map Iterator', 'Set Iterator', 'Array Iterator', 'String Iterator',
    'RegExp String Iterator', 'Iterator', 'Headers', 'Request', 'Response', 'TextEncoder',
    'TextDecoder', 'Crypto', 'Performance', 'Navigator', 'Event', 'CustomEvent', 'EventTarget',
    'AbortController', 'AbortSignal', 'FormData', 'ReadableStream',
    'WritableStream', 'TransformStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
    'WritableStreamDefaultWriter', 'TextEncoderStream', 'TextDecoderStream', 'WebAssembly.Module',
    'WebAssembly.Instance', 'WebAssembly.Memory', 'WebAssembly.Table', 'WebAssembly.Global',
    'CryptoKey', 'SubtleCrypto']);
  const MAX_DEPTH = 10000;

  const is = (check, v) => { try { check(v); return true; } catch { return false; } };
  const fail = (what) => new DOMException(`${what} could not be cloned.`, 'DataCloneError');

  function structuredClone(value, options = undefined) {
    if (arguments.length === 0) throw new TypeError('structuredClone requires 1 argument');
    const memory = new Map();
    let transfer = [];
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('structuredClone: options must be an object');
      const list = options.transfer;
      if (list !== undefined) {
        if (list === null || typeof list !== 'object') throw new TypeError('transfer must be a sequence');
        transfer = Array.from(list);
      }
    }
    const seen = new Set();
    for (const t of transfer) {
      if (!is(abByteLength, t)) throw fail('A value in the transfer list');
      if (seen.has(t)) throw new DOMException('ArrayBuffer listed twice in the transfer list', 'DataCloneError');
      if (abDetached(t)) throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
      if (abTransfer === null) throw new DOMException('Transferring ArrayBuffers is not supported', 'DataCloneError');
      setAdd(seen, t);
    }
    // Transferred buffers are detached before the walk: if the walk then fails, they stay
    // detached (a documented deviation).
    for (const t of transfer) mapSet(memory, t, abTransfer(t));
    return clone(value, memory, 0);
  }

  function cloneBuffer(buf, memory) {
    if (mapHas(memory, buf)) return mapGet(memory, buf);
    if (abDetached(buf)) throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
    const copy = abSlice(buf, 0);
    let out = copy;
    if (abResizable(buf)) {
      out = new ArrayBuffer(abByteLength(buf), { maxByteLength: abMax(buf) });
      new P.Uint8Array(out).set(new P.Uint8Array(copy));
    }
    mapSet(memory, buf, out);
    return out;
  }

  function clone(v, memory, depth) {
    const type = typeof v;
    if (type === 'symbol') throw fail('Symbol()');
    if (type === 'function') throw fail('A function');
    if (type !== 'object' || v === null) return v;
    if (mapHas(memory, v)) return mapGet(memory, v);
    if (depth > MAX_DEPTH) throw new RangeError('structuredClone: object graph too deep');
    depth++;

    for (const valueOf of boxes) {
      if (is(valueOf, v)) {
        const out = Object(valueOf(v));
        mapSet(memory, v, out);
        return out;
      }
    }
    if (is(symbolValueOf, v)) throw fail('Symbol object');
    if (is(dateGetTime, v)) {
      const out = new Date(dateGetTime(v));
      mapSet(memory, v, out);
      return out;
    }
    if (is(reSource, v) && v !== RegExp.prototype) {
      const out = new RegExp(reSource(v), reFlags(v));
      mapSet(memory, v, out);
      return out;
    }
    if (is(abByteLength, v)) return cloneBuffer(v, memory);
    const tag = taTag(v);
    if (tag !== undefined) {
      const buf = cloneBuffer(taBuffer(v), memory);
      const out = new P[tag](buf, taOffset(v), taLength(v));
      mapSet(memory, v, out);
      return out;
    }
    if (is(dvLength, v) || (v !== DataView.prototype && is(dvBuffer, v))) {
      const buf = cloneBuffer(dvBuffer(v), memory);
      const out = new DataView(buf, dvOffset(v), dvLength(v));
      mapSet(memory, v, out);
      return out;
    }
    if (is(mapSize, v)) {
      const out = new Map();
      mapSet(memory, v, out);
      const entries = [];
      const it = mapEntries(v);
      for (let r = mapIterNext(it); !r.done; r = mapIterNext(it)) entries.push(r.value);
      for (const [k, val] of entries) mapSet(out, clone(k, memory, depth), clone(val, memory, depth));
      return out;
    }
    if (is(setSize, v)) {
      const out = new Set();
      mapSet(memory, v, out);
      const values = [];
      const it = setValues(v);
      for (let r = setIterNext(it); !r.done; r = setIterNext(it)) values.push(r.value);
      for (const val of values) setAdd(out, clone(val, memory, depth));
      return out;
    }
    if (isError(v)) return cloneError(v, memory, depth);
    if (is((o) => weakMapHas(o, {}), v)) throw fail('#<WeakMap>');
    if (is((o) => weakSetHas(o, {}), v)) throw fail('#<WeakSet>');
    if (weakRefDeref !== null && is(weakRefDeref, v)) throw fail('#<WeakRef>');
    let tagName = '';
    try { tagName = objectToString(v).slice(8, -1); } catch { /* a revoked Proxy */ }
    if (uncloneableTags.has(tagName)) throw fail(`#<${tagName}>`);
    if ((tagName === 'Blob' || tagName === 'File') && load('%blob').isBlob(v)) {
      const out = load('%blob').cloneBlob(v);
      mapSet(memory, v, out);
      return out;
    }

    const out = Array.isArray(v) ? new Array(v.length) : {};
    mapSet(memory, v, out);
    for (const key of Object.keys(v)) {
      const val = v[key];
      out[key] = clone(val, memory, depth);
    }
    return out;
  }

  function cloneError(v, memory, depth) {
    let name = v.name;
    name = typeof name === 'string' && name in errorCtors ? name : 'Error';
    const out = new errorCtors[name]();
    mapSet(memory, v, out);
    if (Object.hasOwn(v, 'message')) {
      Object.defineProperty(out, 'message', { value: String(v.message), writable: true, configurable: true });
    }
    const stack = v.stack;
    if (typeof stack === 'string') {
      Object.defineProperty(out, 'stack', { value: stack, writable: true, configurable: true });
    }
    if (Object.hasOwn(v, 'cause')) {
      Object.defineProperty(out, 'cause', { value: clone(v.cause, memory, depth), writable: true, configurable: true });
    }
    return out;
  }

  return { __proto__: null, structuredClone };
})
