// ReadableStream (default and byte streams, default and BYOB readers, tee, async iteration,
// from) and the queuing strategies: the WHATWG Streams Standard, written after its abstract
// operations. Internal slots live in one WeakMap (object -> state); states point back to
// their objects. WritableStream and pipeTo are in writable.js ("%writable"), TransformStream
// and the encoding streams in transform.js; both use the internals exported as "%streams".
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, RangeError, Promise, Number, Math, WeakMap,
    Uint8Array, ArrayBuffer, DataView, Array } = P;
  const apply = Reflect.apply;
  const uncurry = (f) => (self, ...args) => apply(f, self, args);
  const getter = (proto, key) => uncurry(Reflect.getOwnPropertyDescriptor(proto, key).get);
  const TypedArray = Reflect.getPrototypeOf(Uint8Array);
  const taTag = getter(TypedArray.prototype, Symbol.toStringTag);
  const taBuffer = getter(TypedArray.prototype, 'buffer');
  const taOffset = getter(TypedArray.prototype, 'byteOffset');
  const taByteLength = getter(TypedArray.prototype, 'byteLength');
  const taLength = getter(TypedArray.prototype, 'length');
  const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const abSlice = uncurry(ArrayBuffer.prototype.slice);
  const abTransfer = ArrayBuffer.prototype.transfer ? uncurry(ArrayBuffer.prototype.transfer) : null;
  const abDetached = Reflect.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached')
    ? getter(ArrayBuffer.prototype, 'detached') : () => false;
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const u8Set = uncurry(Uint8Array.prototype.set);
  const promiseThen = Promise.prototype.then;
  const promiseResolve = Promise.resolve;
  const promiseReject = Promise.reject;
  const promiseAll = Promise.all;
  const arrayShift = uncurry(Array.prototype.shift);
  const wmGet = uncurry(WeakMap.prototype.get);
  const wmSet = uncurry(WeakMap.prototype.set);
  const is = (check, v) => { try { check(v); return true; } catch { return false; } };
  const noop = () => {};
  // Caps: a queue holds at most MAX_QUEUE chunks (a guest could otherwise queue without end
  // with a size() returning 0); a byte stream's queue at most MAX_QUEUE_BYTES bytes.
  const MAX_QUEUE = 1 << 20;
  const MAX_QUEUE_BYTES = 256 * 1024 * 1024;
  const queueFull = () => new RangeError(`The stream's queue is full (at most ${MAX_QUEUE} chunks or ${MAX_QUEUE_BYTES} bytes)`);

  // ---- Promises ----------------------------------------------------------------------------

  const resolved = (v) => apply(promiseResolve, Promise, [v]);
  const rejected = (e) => apply(promiseReject, Promise, [e]);
  const then = (p, f, r) => apply(promiseThen, p, [f, r]);
  const setHandled = (p) => { apply(promiseThen, p, [undefined, noop]); };
  const upon = (p, f, r) => { setHandled(then(p, f, r)); };
  // A promise with its settling functions and whether it is still pending.
  function deferred() {
    const d = { __proto__: null, promise: null, resolve: null, reject: null, pending: true };
    d.promise = new Promise((res, rej) => {
      d.resolve = (v) => { if (d.pending) { d.pending = false; res(v); } };
      d.reject = (e) => { if (d.pending) { d.pending = false; rej(e); } };
    });
    return d;
  }
  const rejectedDeferred = (e) => {
    const d = deferred();
    d.reject(e);
    setHandled(d.promise);
    return d;
  };
  const resolvedDeferred = (v) => { const d = deferred(); d.resolve(v); return d; };
  // Calls a method of a dictionary member and returns a promise (PromiseCall).
  const promiseCall = (f, self, args) => {
    if (f === undefined) return resolved(undefined);
    try { return resolved(apply(f, self, args)); } catch (e) { return rejected(e); }
  };

  // ---- Internal slots ----------------------------------------------------------------------

  const slots = new WeakMap();
  const slot = (o, kind) => {
    const s = (o !== null && typeof o === 'object') ? wmGet(slots, o) : undefined;
    if (s === undefined || s.kind !== kind) throw new TypeError('Illegal invocation');
    return s;
  };
  const has = (o, kind) => {
    const s = (o !== null && typeof o === 'object') ? wmGet(slots, o) : undefined;
    return s !== undefined && s.kind === kind;
  };
  // make(C) lets our own code make an object of class C without its public constructor's
  // steps (or whose constructor throws for guests); the constructor checks internal(C).
  let constructing = null;
  const make = (C) => { constructing = C; try { return new C(); } finally { constructing = null; } };
  const internal = (C) => {
    if (constructing !== C) return false;
    constructing = null;
    return true;
  };
  const illegal = (C) => { if (!internal(C)) throw new TypeError('Illegal constructor'); };

  // ---- Dictionaries and strategies -----------------------------------------------------------

  // An absent dictionary has no members: nothing is read from Object.prototype for it.
  const EMPTY = Object.freeze({ __proto__: null });
  const dict = (v, what) => {
    if (v === undefined || v === null) return EMPTY;
    if (typeof v !== 'object' && typeof v !== 'function') throw new TypeError(`${what} must be an object`);
    return v;
  };
  const member = (d, key, what) => {
    const v = d[key];
    if (v !== undefined && typeof v !== 'function') throw new TypeError(`${what}.${key} must be a function`);
    return v;
  };
  function strategyOf(strategy) {
    const s = dict(strategy, 'strategy');
    const hwm = s.highWaterMark;
    const size = member(s, 'size', 'strategy');
    return { hwm: hwm === undefined ? undefined : Number(hwm), size };
  }
  function extractHWM(st, dflt) {
    if (st.hwm === undefined) return dflt;
    if (st.hwm !== st.hwm || st.hwm < 0) throw new RangeError('Invalid highWaterMark');
    return st.hwm;
  }
  const extractSize = (st) => (st.size === undefined ? () => 1 : (chunk) => apply(st.size, undefined, [chunk]));

  // ---- Queue with sizes ----------------------------------------------------------------------

  function enqueueValueWithSize(c, value, size) {
    size = Number(size);
    if (!(size >= 0) || size === Infinity) throw new RangeError('The size of a chunk must be a finite, non-negative number');
    if (c.queue.length >= MAX_QUEUE) throw queueFull();
    c.queue[c.queue.length] = { value, size };
    c.queueTotalSize += size;
  }
  function dequeueValue(c) {
    const pair = arrayShift(c.queue);
    c.queueTotalSize -= pair.size;
    if (c.queueTotalSize < 0) c.queueTotalSize = 0;
    return pair.value;
  }
  const resetQueue = (c) => { c.queue = []; c.queueTotalSize = 0; };

  // ---- Buffers --------------------------------------------------------------------------------

  function transferBuffer(b) {
    if (abDetached(b)) throw new TypeError('The ArrayBuffer is detached');
    return abTransfer === null ? b : abTransfer(b);
  }
  // { buffer, byteOffset, byteLength, elementSize, ctor } of an ArrayBufferView, or null.
  function viewInfo(v) {
    if (v === null || typeof v !== 'object') return null;
    const tag = taTag(v);
    if (tag !== undefined) {
      const len = taLength(v);
      const bl = taByteLength(v);
      return { buffer: taBuffer(v), byteOffset: taOffset(v), byteLength: bl,
        elementSize: len === 0 ? P[tag].BYTES_PER_ELEMENT : bl / len, ctor: P[tag], length: len };
    }
    if (is(dvLength, v)) {
      return { buffer: dvBuffer(v), byteOffset: dvOffset(v), byteLength: dvLength(v),
        elementSize: 1, ctor: DataView, length: dvLength(v) };
    }
    return null;
  }
  const copyBytes = (to, toIndex, from, fromIndex, n) => {
    u8Set(new Uint8Array(to, toIndex, n), new Uint8Array(from, fromIndex, n));
  };

  // ---- ReadableStream --------------------------------------------------------------------------

  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = undefined) {
      if (internal(ReadableStream)) { initReadable(this); return; }
      const src = underlyingSource === null ? null : dict(underlyingSource, 'underlyingSource');
      if (src === null) throw new TypeError("ReadableStream: underlyingSource can't be null");
      const st = strategyOf(strategy);
      const s = initReadable(this);
      const autoAllocateChunkSize = src.autoAllocateChunkSize;
      const cancel = member(src, 'cancel', 'underlyingSource');
      const pull = member(src, 'pull', 'underlyingSource');
      const start = member(src, 'start', 'underlyingSource');
      const type = src.type;
      if (type !== undefined && `${type}` !== 'bytes') throw new TypeError(`ReadableStream: invalid type '${type}'`);
      if (type !== undefined) {
        if (st.size !== undefined) throw new RangeError('The strategy for a byte stream cannot have a size function');
        const hwm = extractHWM(st, 0);
        let aacs;
        if (autoAllocateChunkSize !== undefined) {
          aacs = Number(autoAllocateChunkSize);
          if (!(aacs >= 0 && aacs <= Number.MAX_SAFE_INTEGER)) throw new TypeError('autoAllocateChunkSize is out of range');
          aacs = Math.trunc(aacs);
          if (aacs === 0) throw new TypeError('autoAllocateChunkSize must be greater than 0');
        }
        const c = make(ReadableByteStreamController);
        setUpByteController(s, slot(c, 'RBSC'),
          () => (start === undefined ? undefined : apply(start, src, [c])),
          () => promiseCall(pull, src, [c]),
          (r) => promiseCall(cancel, src, [r]), hwm, aacs);
      } else {
        const size = extractSize(st);
        const hwm = extractHWM(st, 1);
        const c = make(ReadableStreamDefaultController);
        setUpDefaultController(s, slot(c, 'RSDC'),
          () => (start === undefined ? undefined : apply(start, src, [c])),
          () => promiseCall(pull, src, [c]),
          (r) => promiseCall(cancel, src, [r]), hwm, size);
      }
    }
    get locked() { return slot(this, 'RS').reader !== undefined; }
    cancel(reason = undefined) {
      let s;
      try { s = slot(this, 'RS'); } catch (e) { return rejected(e); }
      if (s.reader !== undefined) return rejected(new TypeError('Cannot cancel a locked stream'));
      return readableCancel(s, reason);
    }
    getReader(options = undefined) {
      const s = slot(this, 'RS');
      const o = dict(options, 'options');
      const mode = o.mode;
      if (mode === undefined) return acquireDefaultReader(s).obj;
      if (`${mode}` !== 'byob') throw new TypeError(`getReader: invalid mode '${mode}'`);
      return acquireBYOBReader(s).obj;
    }
    pipeThrough(transform, options = undefined) {
      const s = slot(this, 'RS');
      const t = dict(transform, 'transform');
      const readable = t.readable;
      if (!has(readable, 'RS')) throw new TypeError("pipeThrough: transform.readable is not a ReadableStream");
      const writable = t.writable;
      if (!has(writable, 'WS')) throw new TypeError("pipeThrough: transform.writable is not a WritableStream");
      const o = pipeOptions(options);
      if (s.reader !== undefined) throw new TypeError('pipeThrough: the stream is locked');
      const ws = slot(writable, 'WS');
      if (ws.writer !== undefined) throw new TypeError('pipeThrough: the writable stream is locked');
      setHandled(load('%writable').pipeTo(s, ws, o.preventClose, o.preventAbort, o.preventCancel, o.signal));
      return readable;
    }
    pipeTo(destination, options = undefined) {
      try {
        const s = slot(this, 'RS');
        if (!has(destination, 'WS')) throw new TypeError('pipeTo: the destination is not a WritableStream');
        const o = pipeOptions(options);
        if (s.reader !== undefined) throw new TypeError('pipeTo: the stream is locked');
        const ws = slot(destination, 'WS');
        if (ws.writer !== undefined) throw new TypeError('pipeTo: the destination is locked');
        return load('%writable').pipeTo(s, ws, o.preventClose, o.preventAbort, o.preventCancel, o.signal);
      } catch (e) {
        return rejected(e);
      }
    }
    tee() {
      const [a, b] = tee(slot(this, 'RS'));
      return [a.obj, b.obj];
    }
    values(options = undefined) {
      const s = slot(this, 'RS');
      const o = dict(options, 'options');
      return makeIterator(acquireDefaultReader(s), !!o.preventCancel);
    }
    static from(asyncIterable) { return fromIterable(asyncIterable).obj; }
  }
  Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator,
    { value: ReadableStream.prototype.values, writable: true, configurable: true });

  function pipeOptions(options) {
    const o = dict(options, 'options');
    const preventAbort = !!o.preventAbort;
    const preventCancel = !!o.preventCancel;
    const preventClose = !!o.preventClose;
    const signal = o.signal;
    if (signal !== undefined && !load('%events').isSignal(signal)) {
      throw new TypeError("pipeTo: 'signal' is not an AbortSignal");
    }
    return { preventAbort, preventCancel, preventClose, signal };
  }

  function initReadable(obj) {
    const s = { __proto__: null, kind: 'RS', obj, state: 'readable', reader: undefined, storedError: undefined,
      disturbed: false, controller: undefined };
    wmSet(slots, obj, s);
    return s;
  }
  // CreateReadableStream / CreateReadableByteStream.
  function createReadable(start, pull, cancel, hwm = 1, size = () => 1) {
    const obj = make(ReadableStream);
    const s = slot(obj, 'RS');
    setUpDefaultController(s, slot(make(ReadableStreamDefaultController), 'RSDC'), start, pull, cancel, hwm, size);
    return s;
  }
  function createReadableByte(start, pull, cancel) {
    const obj = make(ReadableStream);
    const s = slot(obj, 'RS');
    setUpByteController(s, slot(make(ReadableByteStreamController), 'RBSC'), start, pull, cancel, 0, undefined);
    return s;
  }
  const isByteStream = (s) => s.controller.kind === 'RBSC';

  function readableCancel(s, reason) {
    s.disturbed = true;
    if (s.state === 'closed') return resolved(undefined);
    if (s.state === 'errored') return rejected(s.storedError);
    readableClose(s);
    const r = s.reader;
    if (r !== undefined && r.byob) {
      const reqs = r.requests;
      r.requests = [];
      for (let i = 0; i < reqs.length; i++) reqs[i].close(undefined);
    }
    return then(s.controller.cancelSteps(reason), noop);
  }
  function readableClose(s) {
    s.state = 'closed';
    const r = s.reader;
    if (r === undefined) return;
    r.closed.resolve(undefined);
    if (!r.byob) {
      const reqs = r.requests;
      r.requests = [];
      for (let i = 0; i < reqs.length; i++) reqs[i].close();
    }
  }
  function readableError(s, e) {
    s.state = 'errored';
    s.storedError = e;
    const r = s.reader;
    if (r === undefined) return;
    r.closed.reject(e);
    setHandled(r.closed.promise);
    errorRequests(r, e);
  }
  function errorRequests(r, e) {
    const reqs = r.requests;
    r.requests = [];
    for (let i = 0; i < reqs.length; i++) reqs[i].error(e);
  }
  function fulfillReadRequest(s, chunk, done) {
    const req = arrayShift(s.reader.requests);
    if (done) req.close(); else req.chunk(chunk);
  }
  function fulfillReadIntoRequest(s, chunk, done) {
    const req = arrayShift(s.reader.requests);
    if (done) req.close(chunk); else req.chunk(chunk);
  }
  const numRequests = (s) => s.reader.requests.length;
  const hasDefaultReader = (s) => s.reader !== undefined && !s.reader.byob;
  const hasBYOBReader = (s) => s.reader !== undefined && s.reader.byob;
  const addRequest = (s, req) => {
    const reqs = s.reader.requests;
    if (reqs.length >= MAX_QUEUE) { req.error(queueFull()); return; }
    reqs[reqs.length] = req;
  };

  // ---- Readers ----------------------------------------------------------------------------------

  function readerInit(r, s) {
    if (s.reader !== undefined) throw new TypeError('The stream is locked to another reader');
    r.stream = s;
    s.reader = r;
    if (s.state === 'readable') r.closed = deferred();
    else if (s.state === 'closed') r.closed = resolvedDeferred(undefined);
    else r.closed = rejectedDeferred(s.storedError);
  }
  function readerRelease(r) {
    const s = r.stream;
    const e = new TypeError('The reader was released');
    if (s.state === 'readable') r.closed.reject(e);
    else r.closed = rejectedDeferred(e);
    setHandled(r.closed.promise);
    s.controller.releaseSteps();
    s.reader = undefined;
    r.stream = undefined;
    errorRequests(r, new TypeError('The reader was released'));
  }
  function acquireDefaultReader(s) {
    const obj = make(ReadableStreamDefaultReader);
    const r = slot(obj, 'RSDR');
    readerInit(r, s);
    return r;
  }
  function acquireBYOBReader(s) {
    const obj = make(ReadableStreamBYOBReader);
    const r = slot(obj, 'RSBR');
    if (!isByteStream(s)) throw new TypeError('A BYOB reader needs a byte stream');
    readerInit(r, s);
    return r;
  }
  function defaultReaderRead(r, req) {
    const s = r.stream;
    s.disturbed = true;
    if (s.state === 'closed') req.close();
    else if (s.state === 'errored') req.error(s.storedError);
    else s.controller.pullSteps(req);
  }
  function byobReaderRead(r, v, min, req) {
    const s = r.stream;
    s.disturbed = true;
    if (s.state === 'errored') req.error(s.storedError);
    else bytePullInto(s.controller, v, min, req);
  }
  const readRequestFor = (d) => ({
    chunk: (c) => d.resolve({ value: c, done: false }),
    close: () => d.resolve({ value: undefined, done: true }),
    error: (e) => d.reject(e),
  });

  function newReader(kind, stream, obj, internally) {
    const r = { kind, obj, stream: undefined, closed: null, requests: [], byob: kind === 'RSBR' };
    wmSet(slots, obj, r);
    if (!internally) {
      if (kind === 'RSBR') {
        const s = slot(stream, 'RS');
        if (!isByteStream(s)) throw new TypeError('A BYOB reader needs a byte stream');
        readerInit(r, s);
      } else {
        readerInit(r, slot(stream, 'RS'));
      }
    }
    return r;
  }

  class ReadableStreamDefaultReader {
    constructor(stream) {
      const internally = internal(ReadableStreamDefaultReader);
      if (!internally && !has(stream, 'RS')) throw new TypeError('ReadableStreamDefaultReader: parameter 1 is not a ReadableStream');
      newReader('RSDR', stream, this, internally);
    }
    get closed() {
      try { return slot(this, 'RSDR').closed.promise; } catch (e) { return rejected(e); }
    }
    cancel(reason = undefined) {
      try {
        const r = slot(this, 'RSDR');
        if (r.stream === undefined) return rejected(new TypeError('The reader has no stream'));
        return readableCancel(r.stream, reason);
      } catch (e) { return rejected(e); }
    }
    read() {
      let r;
      try { r = slot(this, 'RSDR'); } catch (e) { return rejected(e); }
      if (r.stream === undefined) return rejected(new TypeError('The reader has no stream'));
      const d = deferred();
      defaultReaderRead(r, readRequestFor(d));
      return d.promise;
    }
    releaseLock() {
      const r = slot(this, 'RSDR');
      if (r.stream !== undefined) readerRelease(r);
    }
  }

  class ReadableStreamBYOBReader {
    constructor(stream) {
      const internally = internal(ReadableStreamBYOBReader);
      if (!internally && !has(stream, 'RS')) throw new TypeError('ReadableStreamBYOBReader: parameter 1 is not a ReadableStream');
      newReader('RSBR', stream, this, internally);
    }
    get closed() {
      try { return slot(this, 'RSBR').closed.promise; } catch (e) { return rejected(e); }
    }
    cancel(reason = undefined) {
      try {
        const r = slot(this, 'RSBR');
        if (r.stream === undefined) return rejected(new TypeError('The reader has no stream'));
        return readableCancel(r.stream, reason);
      } catch (e) { return rejected(e); }
    }
    read(view, options = undefined) {
      try {
        const r = slot(this, 'RSBR');
        const v = viewInfo(view);
        if (v === null) throw new TypeError('read: parameter 1 is not an ArrayBufferView');
        if (v.byteLength === 0) throw new TypeError('read: the view is empty');
        if (abByteLength(v.buffer) === 0) throw new TypeError('read: the buffer is empty or detached');
        const o = dict(options, 'options');
        let min = o.min === undefined ? 1 : Number(o.min);
        if (!(min >= 0 && min <= Number.MAX_SAFE_INTEGER)) throw new TypeError('read: min is out of range');
        min = Math.trunc(min);
        if (min === 0) throw new TypeError('read: min must be greater than 0');
        if (min > v.length) throw new RangeError('read: min is larger than the view');
        if (r.stream === undefined) throw new TypeError('The reader has no stream');
        const d = deferred();
        const req = {
          chunk: (c) => d.resolve({ value: c, done: false }),
          close: (c) => d.resolve({ value: c, done: true }),
          error: (e) => d.reject(e),
        };
        byobReaderRead(r, v, min, req);
        return d.promise;
      } catch (e) { return rejected(e); }
    }
    releaseLock() {
      const r = slot(this, 'RSBR');
      if (r.stream !== undefined) readerRelease(r);
    }
  }

  // ---- ReadableStreamDefaultController ------------------------------------------------------------

  class ReadableStreamDefaultController {
    constructor() {
      illegal(ReadableStreamDefaultController);
      wmSet(slots, this, { __proto__: null, kind: 'RSDC', obj: this });
    }
    get desiredSize() { return desiredSize(slot(this, 'RSDC')); }
    close() {
      const c = slot(this, 'RSDC');
      if (!canCloseOrEnqueue(c)) throw new TypeError('The stream is not in a state that permits close');
      defaultClose(c);
    }
    enqueue(chunk = undefined) {
      const c = slot(this, 'RSDC');
      if (!canCloseOrEnqueue(c)) throw new TypeError('The stream is not in a state that permits enqueue');
      defaultEnqueue(c, chunk);
    }
    error(e = undefined) { defaultError(slot(this, 'RSDC'), e); }
  }

  function desiredSize(c) {
    const st = c.stream.state;
    if (st === 'errored') return null;
    if (st === 'closed') return 0;
    return c.hwm - c.queueTotalSize;
  }
  const canCloseOrEnqueue = (c) => !c.closeRequested && c.stream.state === 'readable';

  function setUpDefaultController(s, c, start, pull, cancel, hwm, size) {
    Object.assign(c, { stream: s, queue: [], queueTotalSize: 0, started: false,
      closeRequested: false, pullAgain: false, pulling: false, size, hwm, pull, cancel });
    c.cancelSteps = (reason) => {
      resetQueue(c);
      const result = c.cancel(reason);
      clearAlgorithms(c);
      return result;
    };
    c.pullSteps = (req) => {
      if (c.queue.length > 0) {
        const chunk = dequeueValue(c);
        if (c.closeRequested && c.queue.length === 0) {
          clearAlgorithms(c);
          readableClose(s);
        } else {
          defaultCallPullIfNeeded(c);
        }
        req.chunk(chunk);
      } else {
        addRequest(s, req);
        defaultCallPullIfNeeded(c);
      }
    };
    c.releaseSteps = noop;
    s.controller = c;
    const startResult = start();
    upon(resolved(startResult), () => {
      c.started = true;
      defaultCallPullIfNeeded(c);
    }, (r) => { defaultError(c, r); });
  }
  function clearAlgorithms(c) {
    c.pull = () => resolved(undefined);
    c.cancel = () => resolved(undefined);
    c.size = undefined;
  }
  function defaultShouldCallPull(c) {
    const s = c.stream;
    if (!canCloseOrEnqueue(c) || !c.started) return false;
    if (s.reader !== undefined && !s.reader.byob && numRequests(s) > 0) return true;
    return desiredSize(c) > 0;
  }
  function defaultCallPullIfNeeded(c) {
    if (!defaultShouldCallPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    upon(c.pull(), () => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; defaultCallPullIfNeeded(c); }
    }, (e) => { defaultError(c, e); });
  }
  function defaultClose(c) {
    if (!canCloseOrEnqueue(c)) return;
    c.closeRequested = true;
    if (c.queue.length === 0) {
      clearAlgorithms(c);
      readableClose(c.stream);
    }
  }
  function defaultEnqueue(c, chunk) {
    if (!canCloseOrEnqueue(c)) return;
    const s = c.stream;
    if (s.reader !== undefined && numRequests(s) > 0) {
      fulfillReadRequest(s, chunk, false);
    } else {
      let size;
      try {
        size = c.size(chunk);
        enqueueValueWithSize(c, chunk, size);
      } catch (e) {
        defaultError(c, e);
        throw e;
      }
    }
    defaultCallPullIfNeeded(c);
  }
  function defaultError(c, e) {
    if (c.stream.state !== 'readable') return;
    resetQueue(c);
    clearAlgorithms(c);
    readableError(c.stream, e);
  }
  const hasBackpressure = (c) => !defaultShouldCallPull(c);

  // ---- ReadableByteStreamController ------------------------------------------------------------

  class ReadableByteStreamController {
    constructor() {
      illegal(ReadableByteStreamController);
      wmSet(slots, this, { __proto__: null, kind: 'RBSC', obj: this });
    }
    get byobRequest() { return getBYOBRequest(slot(this, 'RBSC')); }
    get desiredSize() { return desiredSize(slot(this, 'RBSC')); }
    close() {
      const c = slot(this, 'RBSC');
      if (c.closeRequested) throw new TypeError('The stream is already closing');
      if (c.stream.state !== 'readable') throw new TypeError('The stream is not readable');
      byteClose(c);
    }
    enqueue(chunk) {
      const c = slot(this, 'RBSC');
      const v = viewInfo(chunk);
      if (v === null) throw new TypeError('enqueue: parameter 1 is not an ArrayBufferView');
      if (v.byteLength === 0) throw new TypeError('enqueue: the chunk is empty');
      if (abByteLength(v.buffer) === 0) throw new TypeError("enqueue: the chunk's buffer is empty or detached");
      if (c.closeRequested) throw new TypeError('The stream is closing');
      if (c.stream.state !== 'readable') throw new TypeError('The stream is not readable');
      byteEnqueue(c, v);
    }
    error(e = undefined) { byteError(slot(this, 'RBSC'), e); }
  }

  class ReadableStreamBYOBRequest {
    constructor() {
      illegal(ReadableStreamBYOBRequest);
      wmSet(slots, this, { __proto__: null, kind: 'BYOBR', obj: this, controller: undefined, view: null });
    }
    get view() { return slot(this, 'BYOBR').view; }
    respond(bytesWritten) {
      const r = slot(this, 'BYOBR');
      let n = Number(bytesWritten);
      if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) throw new TypeError('respond: bytesWritten is out of range');
      n = Math.trunc(n);
      if (r.controller === undefined) throw new TypeError('This BYOB request has been invalidated');
      if (abDetached(viewInfo(r.view).buffer)) throw new TypeError('The view is detached');
      byteRespond(r.controller, n);
    }
    respondWithNewView(view) {
      const r = slot(this, 'BYOBR');
      const v = viewInfo(view);
      if (v === null) throw new TypeError('respondWithNewView: parameter 1 is not an ArrayBufferView');
      if (r.controller === undefined) throw new TypeError('This BYOB request has been invalidated');
      if (abDetached(v.buffer)) throw new TypeError('The view is detached');
      byteRespondWithNewView(r.controller, v);
    }
  }

  function setUpByteController(s, c, start, pull, cancel, hwm, aacs) {
    Object.assign(c, { stream: s, queue: [], queueTotalSize: 0, started: false,
      closeRequested: false, pullAgain: false, pulling: false, hwm, pull, cancel,
      autoAllocateChunkSize: aacs, pendingPullIntos: [], byobRequest: null });
    c.cancelSteps = (reason) => {
      clearPendingPullIntos(c);
      resetQueue(c);
      const result = c.cancel(reason);
      clearAlgorithms(c);
      return result;
    };
    c.pullSteps = (req) => {
      if (c.queueTotalSize > 0) {
        fillReadRequestFromQueue(c, req);
        return;
      }
      if (c.autoAllocateChunkSize !== undefined) {
        let buffer;
        try { buffer = new ArrayBuffer(c.autoAllocateChunkSize); } catch (e) { req.error(e); return; }
        c.pendingPullIntos[c.pendingPullIntos.length] = { buffer, bufferByteLength: c.autoAllocateChunkSize,
          byteOffset: 0, byteLength: c.autoAllocateChunkSize, bytesFilled: 0, minimumFill: 1,
          elementSize: 1, ctor: Uint8Array, readerType: 'default' };
      }
      addRequest(s, req);
      byteCallPullIfNeeded(c);
    };
    c.releaseSteps = () => {
      if (c.pendingPullIntos.length > 0) {
        const first = c.pendingPullIntos[0];
        first.readerType = 'none';
        c.pendingPullIntos = [first];
      }
    };
    s.controller = c;
    const startResult = start();
    upon(resolved(startResult), () => {
      c.started = true;
      byteCallPullIfNeeded(c);
    }, (r) => { byteError(c, r); });
  }
  function byteShouldCallPull(c) {
    const s = c.stream;
    if (s.state !== 'readable' || c.closeRequested || !c.started) return false;
    if (s.reader !== undefined && numRequests(s) > 0) return true;
    return desiredSize(c) > 0;
  }
  function byteCallPullIfNeeded(c) {
    if (!byteShouldCallPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    upon(c.pull(), () => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; byteCallPullIfNeeded(c); }
    }, (e) => { byteError(c, e); });
  }
  function byteError(c, e) {
    if (c.stream.state !== 'readable') return;
    clearPendingPullIntos(c);
    resetQueue(c);
    clearAlgorithms(c);
    readableError(c.stream, e);
  }
  function clearPendingPullIntos(c) {
    invalidateBYOBRequest(c);
    c.pendingPullIntos = [];
  }
  function invalidateBYOBRequest(c) {
    if (c.byobRequest === null) return;
    const r = slot(c.byobRequest, 'BYOBR');
    r.controller = undefined;
    r.view = null;
    c.byobRequest = null;
  }
  function getBYOBRequest(c) {
    if (c.byobRequest === null && c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled,
        first.byteLength - first.bytesFilled);
      const req = make(ReadableStreamBYOBRequest);
      const r = slot(req, 'BYOBR');
      r.controller = c;
      r.view = view;
      c.byobRequest = req;
    }
    return c.byobRequest;
  }
  function byteClose(c) {
    const s = c.stream;
    if (c.closeRequested || s.state !== 'readable') return;
    if (c.queueTotalSize > 0) { c.closeRequested = true; return; }
    if (c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      if (first.bytesFilled % first.elementSize !== 0) {
        const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
        byteError(c, e);
        throw e;
      }
    }
    clearAlgorithms(c);
    readableClose(s);
  }
  function enqueueChunkToQueue(c, buffer, byteOffset, byteLength) {
    if (c.queue.length >= MAX_QUEUE || c.queueTotalSize + byteLength > MAX_QUEUE_BYTES) throw queueFull();
    c.queue[c.queue.length] = { buffer, byteOffset, byteLength };
    c.queueTotalSize += byteLength;
  }
  function enqueueClonedChunkToQueue(c, buffer, byteOffset, byteLength) {
    let clone;
    try { clone = abSlice(buffer, byteOffset, byteOffset + byteLength); } catch (e) { byteError(c, e); throw e; }
    enqueueChunkToQueue(c, clone, 0, byteLength);
  }
  function enqueueDetachedPullIntoToQueue(c, p) {
    if (p.bytesFilled > 0) enqueueClonedChunkToQueue(c, p.buffer, p.byteOffset, p.bytesFilled);
    shiftPendingPullInto(c);
  }
  const shiftPendingPullInto = (c) => arrayShift(c.pendingPullIntos);

  function byteEnqueue(c, v) {
    const s = c.stream;
    if (c.closeRequested || s.state !== 'readable') return;
    const { byteOffset, byteLength } = v;
    if (abDetached(v.buffer)) throw new TypeError("The chunk's buffer is detached");
    if (c.queue.length >= MAX_QUEUE || c.queueTotalSize + byteLength > MAX_QUEUE_BYTES) throw queueFull();
    const buffer = transferBuffer(v.buffer);
    if (c.pendingPullIntos.length > 0) {
      const first = c.pendingPullIntos[0];
      if (abDetached(first.buffer)) throw new TypeError("The BYOB request's buffer is detached");
      invalidateBYOBRequest(c);
      first.buffer = transferBuffer(first.buffer);
      if (first.readerType === 'none') enqueueDetachedPullIntoToQueue(c, first);
    }
    if (hasDefaultReader(s)) {
      processReadRequestsUsingQueue(c);
      if (numRequests(s) === 0) {
        enqueueChunkToQueue(c, buffer, byteOffset, byteLength);
      } else {
        if (c.pendingPullIntos.length > 0) shiftPendingPullInto(c);
        fulfillReadRequest(s, new Uint8Array(buffer, byteOffset, byteLength), false);
      }
    } else if (hasBYOBReader(s)) {
      enqueueChunkToQueue(c, buffer, byteOffset, byteLength);
      const filled = processPullIntoDescriptorsUsingQueue(c);
      for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
    } else {
      enqueueChunkToQueue(c, buffer, byteOffset, byteLength);
    }
    byteCallPullIfNeeded(c);
  }
  function fillPullIntoDescriptorFromQueue(c, p) {
    const maxBytesToCopy = Math.min(c.queueTotalSize, p.byteLength - p.bytesFilled);
    const maxBytesFilled = p.bytesFilled + maxBytesToCopy;
    let remaining = maxBytesToCopy;
    let ready = false;
    const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % p.elementSize);
    if (maxAlignedBytes >= p.minimumFill) {
      remaining = maxAlignedBytes - p.bytesFilled;
      ready = true;
    }
    const q = c.queue;
    while (remaining > 0) {
      const head = q[0];
      const n = Math.min(remaining, head.byteLength);
      copyBytes(p.buffer, p.byteOffset + p.bytesFilled, head.buffer, head.byteOffset, n);
      if (head.byteLength === n) arrayShift(q);
      else { head.byteOffset += n; head.byteLength -= n; }
      c.queueTotalSize -= n;
      p.bytesFilled += n;
      remaining -= n;
    }
    return ready;
  }
  function handleQueueDrain(c) {
    if (c.queueTotalSize === 0 && c.closeRequested) {
      clearAlgorithms(c);
      readableClose(c.stream);
    } else {
      byteCallPullIfNeeded(c);
    }
  }
  function processPullIntoDescriptorsUsingQueue(c) {
    const filled = [];
    while (c.pendingPullIntos.length > 0) {
      if (c.queueTotalSize === 0) break;
      const p = c.pendingPullIntos[0];
      if (fillPullIntoDescriptorFromQueue(c, p)) {
        shiftPendingPullInto(c);
        filled[filled.length] = p;
      }
    }
    return filled;
  }
  function processReadRequestsUsingQueue(c) {
    const r = c.stream.reader;
    while (r.requests.length > 0) {
      if (c.queueTotalSize === 0) return;
      fillReadRequestFromQueue(c, arrayShift(r.requests));
    }
  }
  function fillReadRequestFromQueue(c, req) {
    const e = arrayShift(c.queue);
    c.queueTotalSize -= e.byteLength;
    handleQueueDrain(c);
    req.chunk(new Uint8Array(e.buffer, e.byteOffset, e.byteLength));
  }
  function convertPullIntoDescriptor(p) {
    const buffer = transferBuffer(p.buffer);
    return new p.ctor(buffer, p.byteOffset, p.bytesFilled / p.elementSize);
  }
  function commitPullIntoDescriptor(s, p) {
    const done = s.state === 'closed';
    const view = convertPullIntoDescriptor(p);
    if (p.readerType === 'default') fulfillReadRequest(s, view, done);
    else fulfillReadIntoRequest(s, view, done);
  }
  function bytePullInto(c, v, min, req) {
    const s = c.stream;
    const minimumFill = min * v.elementSize;
    let buffer;
    try { buffer = transferBuffer(v.buffer); } catch (e) { req.error(e); return; }
    const p = { buffer, bufferByteLength: abByteLength(buffer), byteOffset: v.byteOffset,
      byteLength: v.byteLength, bytesFilled: 0, minimumFill, elementSize: v.elementSize,
      ctor: v.ctor, readerType: 'byob' };
    if (c.pendingPullIntos.length > 0) {
      c.pendingPullIntos[c.pendingPullIntos.length] = p;
      addRequest(s, req);
      return;
    }
    if (s.state === 'closed') {
      req.close(new p.ctor(buffer, p.byteOffset, 0));
      return;
    }
    if (c.queueTotalSize > 0) {
      if (fillPullIntoDescriptorFromQueue(c, p)) {
        const view = convertPullIntoDescriptor(p);
        handleQueueDrain(c);
        req.chunk(view);
        return;
      }
      if (c.closeRequested) {
        const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
        byteError(c, e);
        req.error(e);
        return;
      }
    }
    c.pendingPullIntos[c.pendingPullIntos.length] = p;
    addRequest(s, req);
    byteCallPullIfNeeded(c);
  }
  function byteRespond(c, bytesWritten) {
    const first = c.pendingPullIntos[0];
    if (c.stream.state === 'closed') {
      if (bytesWritten !== 0) throw new TypeError('bytesWritten must be 0 when calling respond() on a closed stream');
    } else {
      if (bytesWritten === 0) throw new TypeError('bytesWritten must be greater than 0 when calling respond() on a readable stream');
      if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError('bytesWritten out of range');
    }
    first.buffer = transferBuffer(first.buffer);
    byteRespondInternal(c, bytesWritten);
  }
  function byteRespondInternal(c, bytesWritten) {
    const first = c.pendingPullIntos[0];
    invalidateBYOBRequest(c);
    const s = c.stream;
    if (s.state === 'closed') {
      if (first.readerType === 'none') shiftPendingPullInto(c);
      if (hasBYOBReader(s)) {
        const filled = [];
        while (filled.length < numRequests(s)) filled[filled.length] = shiftPendingPullInto(c);
        for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
      }
    } else {
      first.bytesFilled += bytesWritten;
      if (first.readerType === 'none') {
        enqueueDetachedPullIntoToQueue(c, first);
        const filled = processPullIntoDescriptorsUsingQueue(c);
        for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
      } else if (first.bytesFilled >= first.minimumFill) {
        shiftPendingPullInto(c);
        const remainder = first.bytesFilled % first.elementSize;
        if (remainder > 0) {
          const end = first.byteOffset + first.bytesFilled;
          enqueueClonedChunkToQueue(c, first.buffer, end - remainder, remainder);
        }
        first.bytesFilled -= remainder;
        const filled = processPullIntoDescriptorsUsingQueue(c);
        commitPullIntoDescriptor(s, first);
        for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
      }
    }
    byteCallPullIfNeeded(c);
  }
  function byteRespondWithNewView(c, v) {
    const first = c.pendingPullIntos[0];
    if (c.stream.state === 'closed') {
      if (v.byteLength !== 0) throw new TypeError("The view's length must be 0 when calling respondWithNewView() on a closed stream");
    } else if (v.byteLength === 0) {
      throw new TypeError("The view's length must be greater than 0 when calling respondWithNewView() on a readable stream");
    }
    if (first.byteOffset + first.bytesFilled !== v.byteOffset) throw new RangeError('The region specified by view does not match byobRequest');
    if (first.bufferByteLength !== abByteLength(v.buffer)) throw new RangeError('The buffer of view has different capacity than byobRequest');
    if (first.bytesFilled + v.byteLength > first.byteLength) throw new RangeError('The region specified by view is larger than byobRequest');
    first.buffer = transferBuffer(v.buffer);
    byteRespondInternal(c, v.byteLength);
  }

  // ---- tee ---------------------------------------------------------------------------------------

  const queueMicrotask = (f) => { apply(promiseThen, resolved(undefined), [f]); };
  function tee(s) { return isByteStream(s) ? byteTee(s) : defaultTee(s); }

  // ReadableStreamDefaultTee (cloneForBranch2 false).
  function defaultTee(s) {
    const reader = acquireDefaultReader(s);
    let reading = false, readAgain = false;
    let canceled1 = false, canceled2 = false;
    let reason1, reason2;
    let branch1, branch2;
    const cancelPromise = deferred();
    const pull = () => {
      if (reading) { readAgain = true; return resolved(undefined); }
      reading = true;
      defaultReaderRead(reader, {
        chunk: (chunk) => {
          queueMicrotask(() => {
            readAgain = false;
            if (!canceled1) defaultEnqueue(branch1.controller, chunk);
            if (!canceled2) defaultEnqueue(branch2.controller, chunk);
            reading = false;
            if (readAgain) pull();
          });
        },
        close: () => {
          reading = false;
          if (!canceled1) defaultClose(branch1.controller);
          if (!canceled2) defaultClose(branch2.controller);
          if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
        },
        error: () => { reading = false; },
      });
      return resolved(undefined);
    };
    const cancel1 = (reason) => {
      canceled1 = true;
      reason1 = reason;
      if (canceled2) cancelPromise.resolve(readableCancel(s, [reason1, reason2]));
      return cancelPromise.promise;
    };
    const cancel2 = (reason) => {
      canceled2 = true;
      reason2 = reason;
      if (canceled1) cancelPromise.resolve(readableCancel(s, [reason1, reason2]));
      return cancelPromise.promise;
    };
    branch1 = createReadable(noop, pull, cancel1);
    branch2 = createReadable(noop, pull, cancel2);
    upon(reader.closed.promise, undefined, (r) => {
      defaultError(branch1.controller, r);
      defaultError(branch2.controller, r);
      if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
    });
    return [branch1, branch2];
  }

  const cloneAsUint8Array = (chunk) => {
    const v = viewInfo(chunk);
    return new Uint8Array(abSlice(v.buffer, v.byteOffset, v.byteOffset + v.byteLength));
  };

  // ReadableByteStreamTee: a BYOB read of a branch reads into its view from the source.
  function byteTee(s) {
    let reader = acquireDefaultReader(s);
    let reading = false, readAgain1 = false, readAgain2 = false;
    let canceled1 = false, canceled2 = false;
    let reason1, reason2;
    let branch1, branch2;
    const cancelPromise = deferred();
    const forwardReaderError = (r) => {
      upon(r.closed.promise, undefined, (e) => {
        if (r !== reader) return;
        byteError(branch1.controller, e);
        byteError(branch2.controller, e);
        if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
      });
    };
    const failBoth = (e) => {
      byteError(branch1.controller, e);
      byteError(branch2.controller, e);
      cancelPromise.resolve(readableCancel(s, e));
    };
    const again = () => {
      if (readAgain1) pull1();
      else if (readAgain2) pull2();
    };
    function pullWithDefaultReader() {
      if (reader.byob) {
        readerRelease(reader);
        reader = acquireDefaultReader(s);
        forwardReaderError(reader);
      }
      defaultReaderRead(reader, {
        chunk: (chunk) => {
          queueMicrotask(() => {
            readAgain1 = false;
            readAgain2 = false;
            let chunk2 = chunk;
            if (!canceled1 && !canceled2) {
              try { chunk2 = cloneAsUint8Array(chunk); } catch (e) { failBoth(e); return; }
            }
            if (!canceled1) byteEnqueue(branch1.controller, viewInfo(chunk));
            if (!canceled2) byteEnqueue(branch2.controller, viewInfo(chunk2));
            reading = false;
            again();
          });
        },
        close: () => {
          reading = false;
          if (!canceled1) byteClose(branch1.controller);
          if (!canceled2) byteClose(branch2.controller);
          if (branch1.controller.pendingPullIntos.length > 0) byteRespond(branch1.controller, 0);
          if (branch2.controller.pendingPullIntos.length > 0) byteRespond(branch2.controller, 0);
          if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
        },
        error: () => { reading = false; },
      });
    }
    function pullWithBYOBReader(view, forBranch2) {
      if (!reader.byob) {
        readerRelease(reader);
        reader = slot(make(ReadableStreamBYOBReader), 'RSBR');
        readerInit(reader, s);
        forwardReaderError(reader);
      }
      const byobBranch = forBranch2 ? branch2 : branch1;
      const otherBranch = forBranch2 ? branch1 : branch2;
      const req = {
        chunk: (chunk) => {
          queueMicrotask(() => {
            readAgain1 = false;
            readAgain2 = false;
            const byobCanceled = forBranch2 ? canceled2 : canceled1;
            const otherCanceled = forBranch2 ? canceled1 : canceled2;
            if (!otherCanceled) {
              let cloned;
              try { cloned = cloneAsUint8Array(chunk); } catch (e) { failBoth(e); return; }
              if (!byobCanceled) byteRespondWithNewView(byobBranch.controller, viewInfo(chunk));
              byteEnqueue(otherBranch.controller, viewInfo(cloned));
            } else if (!byobCanceled) {
              byteRespondWithNewView(byobBranch.controller, viewInfo(chunk));
            }
            reading = false;
            again();
          });
        },
        close: (chunk) => {
          reading = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1;
          const otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!byobCanceled) byteClose(byobBranch.controller);
          if (!otherCanceled) byteClose(otherBranch.controller);
          if (chunk !== undefined) {
            if (!byobCanceled) byteRespondWithNewView(byobBranch.controller, viewInfo(chunk));
            if (!otherCanceled && otherBranch.controller.pendingPullIntos.length > 0) byteRespond(otherBranch.controller, 0);
          }
          if (!byobCanceled || !otherCanceled) cancelPromise.resolve(undefined);
        },
        error: () => { reading = false; },
      };
      byobReaderRead(reader, viewInfo(view), 1, req);
    }
    function pull1() {
      if (reading) { readAgain1 = true; return resolved(undefined); }
      reading = true;
      const req = getBYOBRequest(branch1.controller);
      if (req === null) pullWithDefaultReader();
      else pullWithBYOBReader(slot(req, 'BYOBR').view, false);
      return resolved(undefined);
    }
    function pull2() {
      if (reading) { readAgain2 = true; return resolved(undefined); }
      reading = true;
      const req = getBYOBRequest(branch2.controller);
      if (req === null) pullWithDefaultReader();
      else pullWithBYOBReader(slot(req, 'BYOBR').view, true);
      return resolved(undefined);
    }
    const cancel1 = (reason) => {
      canceled1 = true;
      reason1 = reason;
      if (canceled2) cancelPromise.resolve(readableCancel(s, [reason1, reason2]));
      return cancelPromise.promise;
    };
    const cancel2 = (reason) => {
      canceled2 = true;
      reason2 = reason;
      if (canceled1) cancelPromise.resolve(readableCancel(s, [reason1, reason2]));
      return cancelPromise.promise;
    };
    branch1 = createReadableByte(noop, pull1, cancel1);
    branch2 = createReadableByte(noop, pull2, cancel2);
    forwardReaderError(reader);
    return [branch1, branch2];
  }

  // ---- Async iteration and from() -----------------------------------------------------------------

  const AsyncIteratorPrototype = Reflect.getPrototypeOf(Reflect.getPrototypeOf(
    (async function* () {}).prototype));
  const iterators = new WeakMap();
  const IteratorProto = Object.create(AsyncIteratorPrototype, {
    next: { writable: true, configurable: true, enumerable: true, value: function next() {
      const it = wmGet(iterators, this);
      if (it === undefined) return rejected(new TypeError('Illegal invocation'));
      const step = () => {
        if (it.done) return resolved({ value: undefined, done: true });
        const r = it.reader;
        if (r.stream === undefined) return rejected(new TypeError('The iterator\'s reader was released'));
        const d = deferred();
        defaultReaderRead(r, {
          chunk: (c) => d.resolve({ value: c, done: false }),
          close: () => { it.done = true; readerRelease(r); d.resolve({ value: undefined, done: true }); },
          error: (e) => { it.done = true; readerRelease(r); d.reject(e); },
        });
        return d.promise;
      };
      it.ongoing = it.ongoing === undefined ? step() : then(it.ongoing, step, step);
      const p = it.ongoing;
      upon(p, () => { if (it.ongoing === p) it.ongoing = undefined; }, () => { if (it.ongoing === p) it.ongoing = undefined; });
      return p;
    } },
    return: { writable: true, configurable: true, enumerable: true, value: function (value) {
      const it = wmGet(iterators, this);
      if (it === undefined) return rejected(new TypeError('Illegal invocation'));
      const step = () => {
        if (it.done) return resolved({ value, done: true });
        it.done = true;
        const r = it.reader;
        if (r.stream === undefined) return resolved({ value, done: true });
        if (!it.preventCancel) {
          const result = readableCancel(r.stream, value);
          readerRelease(r);
          return then(result, () => ({ value, done: true }));
        }
        readerRelease(r);
        return resolved({ value, done: true });
      };
      it.ongoing = it.ongoing === undefined ? step() : then(it.ongoing, step, step);
      return it.ongoing;
    } },
    [Symbol.toStringTag]: { value: 'ReadableStream AsyncIterator', configurable: true },
  });
  function makeIterator(reader, preventCancel) {
    const o = Object.create(IteratorProto);
    wmSet(iterators, o, { reader, preventCancel, done: false, ongoing: undefined });
    return o;
  }

  function fromIterable(iterable) {
    if (iterable === null || iterable === undefined) throw new TypeError('ReadableStream.from: parameter 1 is not iterable');
    let method = iterable[Symbol.asyncIterator];
    let sync = false;
    if (method === undefined || method === null) {
      method = iterable[Symbol.iterator];
      sync = true;
    }
    if (typeof method !== 'function') throw new TypeError('ReadableStream.from: parameter 1 is not iterable');
    const iterator = apply(method, iterable, []);
    if (iterator === null || typeof iterator !== 'object') throw new TypeError('ReadableStream.from: the iterator is not an object');
    const nextMethod = iterator.next;
    let s;
    const pull = () => {
      let result;
      try {
        result = apply(nextMethod, iterator, []);
        if (sync) {
          if (result === null || typeof result !== 'object') throw new TypeError('The iterator result is not an object');
          const done = !!result.done;
          result = then(resolved(result.value), (value) => ({ value, done }));
        }
      } catch (e) { return rejected(e); }
      return then(resolved(result), (r) => {
        if (r === null || typeof r !== 'object') throw new TypeError('The iterator result is not an object');
        if (r.done) defaultClose(s.controller);
        else defaultEnqueue(s.controller, r.value);
      });
    };
    const cancel = (reason) => {
      let ret;
      try {
        ret = iterator.return;
        if (ret === undefined || ret === null) return resolved(undefined);
        ret = apply(ret, iterator, [reason]);
      } catch (e) { return rejected(e); }
      return then(resolved(ret), (r) => {
        if (r === null || typeof r !== 'object') throw new TypeError('The iterator return() result is not an object');
      });
    };
    s = createReadable(noop, pull, cancel, 0);
    return s;
  }

  // ---- Queuing strategies ----------------------------------------------------------------------

  const byteLengthSize = function size(chunk) { return chunk.byteLength; };
  const countSize = function size() { return 1; };
  function strategyInit(obj, init, what) {
    if (init === null || typeof init !== 'object') throw new TypeError(`${what}: parameter 1 is not an object`);
    if (init.highWaterMark === undefined) throw new TypeError(`${what}: highWaterMark is required`);
    wmSet(slots, obj, { __proto__: null, kind: what, hwm: Number(init.highWaterMark) });
  }
  class ByteLengthQueuingStrategy {
    constructor(init) { strategyInit(this, init, 'ByteLengthQueuingStrategy'); }
    get highWaterMark() { return slot(this, 'ByteLengthQueuingStrategy').hwm; }
    get size() { slot(this, 'ByteLengthQueuingStrategy'); return byteLengthSize; }
  }
  class CountQueuingStrategy {
    constructor(init) { strategyInit(this, init, 'CountQueuingStrategy'); }
    get highWaterMark() { return slot(this, 'CountQueuingStrategy').hwm; }
    get size() { slot(this, 'CountQueuingStrategy'); return countSize; }
  }

  const classes = { ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader,
    ReadableStreamDefaultController, ReadableByteStreamController, ReadableStreamBYOBRequest,
    ByteLengthQueuingStrategy, CountQueuingStrategy };
  for (const name of Object.keys(classes)) {
    Object.defineProperty(classes[name].prototype, Symbol.toStringTag, { value: name, configurable: true });
  }

  // For transform.js, fetch.js and compression ("%streams").
  const internals = Object.freeze({ __proto__: null, slot, has, make, internal, illegal, dict, member,
    setSlot: (o, st) => { wmSet(slots, o, st); }, enqueueValueWithSize, dequeueValue, resetQueue,
    queueFull, arrayShift, noop, resolvedDeferred, rejectedDeferred, closeSentinel: {},
    strategyOf, extractHWM, extractSize, resolved, rejected, then, upon, setHandled, deferred,
    promiseCall, viewInfo, createReadable, readableCancel, defaultEnqueue,
    defaultClose, defaultError, canCloseOrEnqueue, desiredSize, hasBackpressure,
    acquireDefaultReader, defaultReaderRead, readerRelease, tee,
    isDisturbed: (s) => s.disturbed, MAX_QUEUE });
  return { __proto__: null, ...classes, '%streams': internals };
})
