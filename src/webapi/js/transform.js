// TransformStream and its controller (WHATWG Streams Standard), TextEncoderStream and
// TextDecoderStream (Encoding Standard), on the internals of streams.js and writable.js.
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, RangeError, String } = P;
  const apply = Reflect.apply;
  const S = load('%streams');
  const W = load('%writable');
  const { slot, make, internal, illegal, dict, member, strategyOf, extractHWM, extractSize,
    resolved, rejected, then, upon, deferred, promiseCall, createReadable, defaultEnqueue,
    defaultClose, defaultError, canCloseOrEnqueue, desiredSize, hasBackpressure } = S;
  const { createWritable, writableControllerError } = W;

  class TransformStream {
    constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
      if (internal(TransformStream)) { init(this); return; }
      const t = transformer === null ? null : dict(transformer, 'transformer');
      if (t === null) throw new TypeError("TransformStream: transformer can't be null");
      const ws = strategyOf(writableStrategy);
      const rs = strategyOf(readableStrategy);
      const cancel = member(t, 'cancel', 'transformer');
      const flush = member(t, 'flush', 'transformer');
      const readableType = t.readableType;
      const start = member(t, 'start', 'transformer');
      const transform = member(t, 'transform', 'transformer');
      const writableType = t.writableType;
      if (readableType !== undefined) throw new RangeError('TransformStream: invalid readableType');
      if (writableType !== undefined) throw new RangeError('TransformStream: invalid writableType');
      const readableHWM = extractHWM(rs, 0);
      const readableSize = extractSize(rs);
      const writableHWM = extractHWM(ws, 1);
      const writableSize = extractSize(ws);
      const startPromise = deferred();
      const s = init(this);
      initialize(s, startPromise, writableHWM, writableSize, readableHWM, readableSize);
      const cobj = make(TransformStreamDefaultController);
      const c = slot(cobj, 'TSDC');
      setUpController(s, c,
        transform === undefined ? (chunk) => {
          try { enqueue(c, chunk); return resolved(undefined); } catch (e) { return rejected(e); }
        } : (chunk) => promiseCall(transform, t, [chunk, cobj]),
        () => promiseCall(flush, t, [cobj]),
        (r) => promiseCall(cancel, t, [r]));
      if (start !== undefined) startPromise.resolve(apply(start, t, [cobj]));
      else startPromise.resolve(undefined);
    }
    get readable() { return slot(this, 'TS').readable.obj; }
    get writable() { return slot(this, 'TS').writable.obj; }
  }

  function init(obj) {
    const s = { __proto__: null, kind: 'TS', obj, readable: undefined, writable: undefined, backpressure: undefined,
      backpressureChange: undefined, controller: undefined };
    S.setSlot(obj, s);
    return s;
  }
  // InitializeTransformStream.
  function initialize(s, startPromise, writableHWM, writableSize, readableHWM, readableSize) {
    const start = () => startPromise.promise;
    s.writable = createWritable(start, (chunk) => sinkWrite(s, chunk), () => sinkClose(s),
      (reason) => sinkAbort(s, reason), writableHWM, writableSize);
    s.readable = createReadable(start, () => sourcePull(s), (reason) => sourceCancel(s, reason),
      readableHWM, readableSize);
    s.backpressure = undefined;
    s.backpressureChange = undefined;
    setBackpressure(s, true);
  }
  function streamError(s, e) {
    defaultError(s.readable.controller, e);
    errorWritableAndUnblockWrite(s, e);
  }
  function errorWritableAndUnblockWrite(s, e) {
    clearAlgorithms(s.controller);
    const wc = s.writable.controller;
    if (s.writable.state === 'writable') writableControllerError(wc, e);
    if (s.backpressure) setBackpressure(s, false);
  }
  function setBackpressure(s, bp) {
    if (s.backpressureChange !== undefined) s.backpressureChange.resolve(undefined);
    s.backpressureChange = deferred();
    s.backpressure = bp;
  }

  class TransformStreamDefaultController {
    constructor() {
      illegal(TransformStreamDefaultController);
      S.setSlot(this, { __proto__: null, kind: 'TSDC', obj: this });
    }
    get desiredSize() { return desiredSize(slot(this, 'TSDC').stream.readable.controller); }
    enqueue(chunk = undefined) { enqueue(slot(this, 'TSDC'), chunk); }
    error(reason = undefined) { streamError(slot(this, 'TSDC').stream, reason); }
    terminate() { terminate(slot(this, 'TSDC')); }
  }

  function setUpController(s, c, transform, flush, cancel) {
    Object.assign(c, { stream: s, transform, flush, cancel, finish: undefined });
    s.controller = c;
  }
  function clearAlgorithms(c) {
    c.transform = undefined;
    c.flush = undefined;
    c.cancel = undefined;
  }
  function enqueue(c, chunk) {
    const s = c.stream;
    const rc = s.readable.controller;
    if (!canCloseOrEnqueue(rc)) throw new TypeError('The readable side cannot accept more chunks');
    try {
      defaultEnqueue(rc, chunk);
    } catch (e) {
      errorWritableAndUnblockWrite(s, e);
      throw s.readable.storedError;
    }
    const bp = hasBackpressure(rc);
    if (bp !== s.backpressure) setBackpressure(s, true);
  }
  function terminate(c) {
    const s = c.stream;
    defaultClose(s.readable.controller);
    errorWritableAndUnblockWrite(s, new TypeError('The transform stream has been terminated'));
  }
  function performTransform(c, chunk) {
    const s = c.stream;
    return then(c.transform(chunk), undefined, (r) => { streamError(s, r); throw r; });
  }
  function sinkWrite(s, chunk) {
    const c = s.controller;
    if (s.backpressure) {
      return then(s.backpressureChange.promise, () => {
        if (s.writable.state === 'erroring') throw s.writable.storedError;
        return performTransform(c, chunk);
      });
    }
    return performTransform(c, chunk);
  }
  function sinkAbort(s, reason) {
    const c = s.controller;
    if (c.finish !== undefined) return c.finish.promise;
    const readable = s.readable;
    c.finish = deferred();
    const p = c.cancel(reason);
    clearAlgorithms(c);
    upon(p, () => {
      if (readable.state === 'errored') c.finish.reject(readable.storedError);
      else { defaultError(readable.controller, reason); c.finish.resolve(undefined); }
    }, (r) => { defaultError(readable.controller, r); c.finish.reject(r); });
    return c.finish.promise;
  }
  function sinkClose(s) {
    const c = s.controller;
    if (c.finish !== undefined) return c.finish.promise;
    const readable = s.readable;
    c.finish = deferred();
    const p = c.flush();
    clearAlgorithms(c);
    upon(p, () => {
      if (readable.state === 'errored') c.finish.reject(readable.storedError);
      else { defaultClose(readable.controller); c.finish.resolve(undefined); }
    }, (r) => { defaultError(readable.controller, r); c.finish.reject(r); });
    return c.finish.promise;
  }
  function sourceCancel(s, reason) {
    const c = s.controller;
    if (c.finish !== undefined) return c.finish.promise;
    const writable = s.writable;
    c.finish = deferred();
    const p = c.cancel(reason);
    clearAlgorithms(c);
    upon(p, () => {
      if (writable.state === 'errored') c.finish.reject(writable.storedError);
      else {
        if (writable.state === 'writable') writableControllerError(writable.controller, reason);
        if (s.backpressure) setBackpressure(s, false);
        c.finish.resolve(undefined);
      }
    }, (r) => {
      if (writable.state === 'writable') writableControllerError(writable.controller, r);
      if (s.backpressure) setBackpressure(s, false);
      c.finish.reject(r);
    });
    return c.finish.promise;
  }
  function sourcePull(s) {
    setBackpressure(s, false);
    return s.backpressureChange.promise;
  }

  // A TransformStream made by our own code from plain functions: transform(chunk, enqueue,
  // wait) and flush(enqueue, wait), which may return promises, for the encoding and
  // compression streams; wait() is null, or a promise that settles when the readable side
  // wants more (a producer of much output awaits it between chunks). Returns its state.
  function createTransform(transform, flush, cancel = undefined) {
    const obj = make(TransformStream);
    const s = slot(obj, 'TS');
    const startPromise = deferred();
    initialize(s, startPromise, 1, () => 1, 0, () => 1);
    const c = slot(make(TransformStreamDefaultController), 'TSDC');
    const enq = (chunk) => enqueue(c, chunk);
    const wait = () => (s.backpressure ? s.backpressureChange.promise : null);
    const wrap = (f) => (...args) => {
      try { return resolved(f(...args)); } catch (e) { return rejected(e); }
    };
    setUpController(s, c, wrap((chunk) => transform(chunk, enq, wait)), wrap(() => flush(enq, wait)),
      wrap((reason) => { if (cancel !== undefined) cancel(reason); }));
    startPromise.resolve(undefined);
    return s;
  }

  // ---- TextEncoderStream and TextDecoderStream ----------------------------------------------

  const fromCharCode = String.fromCharCode;
  const charCodeAt = (str, i) => apply(String.prototype.charCodeAt, str, [i]);
  const strSlice = (str, a, b) => apply(String.prototype.slice, str, [a, b]);

  class TextEncoderStream {
    #t;
    constructor() {
      const encoder = new (load('TextEncoder'))();
      let pending = ''; // a high surrogate left at the end of the last chunk
      this.#t = createTransform((chunk, enq) => {
        let str = pending + `${chunk}`;
        pending = '';
        if (str.length > 0) {
          const last = charCodeAt(str, str.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            pending = fromCharCode(last);
            str = strSlice(str, 0, str.length - 1);
          }
        }
        if (str.length > 0) enq(encoder.encode(str));
      }, (enq) => {
        if (pending !== '') enq(new P.Uint8Array([0xef, 0xbf, 0xbd]));
      });
    }
    get encoding() { this.#t; return 'utf-8'; }
    get readable() { return this.#t.readable.obj; }
    get writable() { return this.#t.writable.obj; }
  }

  class TextDecoderStream {
    #t;
    #decoder;
    constructor(label = 'utf-8', options = undefined) {
      const decoder = new (load('TextDecoder'))(label, options);
      this.#decoder = decoder;
      this.#t = createTransform((chunk, enq) => {
        if (S.viewInfo(chunk) === null && !(chunk instanceof P.ArrayBuffer)) {
          throw new TypeError('TextDecoderStream: chunks must be ArrayBuffers or views');
        }
        const s = decoder.decode(chunk, { stream: true });
        if (s !== '') enq(s);
      }, (enq) => {
        const s = decoder.decode();
        if (s !== '') enq(s);
      });
    }
    get encoding() { return this.#decoder.encoding; }
    get fatal() { return this.#decoder.fatal; }
    get ignoreBOM() { return this.#decoder.ignoreBOM; }
    get readable() { return this.#t.readable.obj; }
    get writable() { return this.#t.writable.obj; }
  }

  // ---- Cloudflare Workers' byte transforms -------------------------------------------------

  // Chunks must be BufferSources; each comes out as a Uint8Array copy of its bytes.
  const bytesOf = (chunk, what) => {
    let v = S.viewInfo(chunk);
    if (v === null && chunk instanceof P.ArrayBuffer) v = { buffer: chunk, byteOffset: 0, byteLength: chunk.byteLength };
    if (v === null) throw new TypeError(`${what}: chunks must be ArrayBuffers or ArrayBufferViews`);
    return new P.Uint8Array(P.ArrayBuffer.prototype.slice.call(v.buffer, v.byteOffset, v.byteOffset + v.byteLength));
  };

  class IdentityTransformStream {
    #t;
    constructor() {
      this.#t = createTransform((chunk, enq) => {
        const b = bytesOf(chunk, 'IdentityTransformStream');
        if (b.length > 0) enq(b);
      }, () => {});
    }
    get readable() { return this.#t.readable.obj; }
    get writable() { return this.#t.writable.obj; }
  }

  // An identity byte transform that must carry exactly `length` bytes.
  class FixedLengthStream {
    #t;
    constructor(length) {
      if (arguments.length === 0) throw new TypeError('FixedLengthStream: 1 argument required');
      const n = P.Number(length);
      if (!(n >= 0 && n <= P.Number.MAX_SAFE_INTEGER) || P.Math.trunc(n) !== n) {
        throw new TypeError('FixedLengthStream: the length must be a non-negative integer');
      }
      let seen = 0;
      this.#t = createTransform((chunk, enq) => {
        const b = bytesOf(chunk, 'FixedLengthStream');
        seen += b.length;
        if (seen > n) throw new TypeError(`FixedLengthStream: more than the expected ${n} bytes were written`);
        if (b.length > 0) enq(b);
      }, () => {
        if (seen !== n) throw new TypeError(`FixedLengthStream: ${seen} bytes were written, ${n} expected`);
      });
    }
    get readable() { return this.#t.readable.obj; }
    get writable() { return this.#t.writable.obj; }
  }

  const classes = { TransformStream, TransformStreamDefaultController, TextEncoderStream,
    TextDecoderStream, IdentityTransformStream, FixedLengthStream };
  for (const name of Object.keys(classes)) {
    Object.defineProperty(classes[name].prototype, Symbol.toStringTag, { value: name, configurable: true });
  }
  return { __proto__: null, ...classes,
    '%transform': Object.freeze({ __proto__: null, createTransform }) };
})
