// WritableStream, its writer and controller, and ReadableStream's pipeTo (WHATWG Streams
// Standard), on the internal slots of streams.js ("%streams").
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, Promise, Array } = P;
  const apply = Reflect.apply;
  const S = load('%streams');
  const { slot, make, internal, illegal, dict, member, strategyOf, extractHWM, extractSize,
    resolved, rejected, then, upon, setHandled, deferred, promiseCall, enqueueValueWithSize,
    dequeueValue, resetQueue, queueFull, arrayShift, noop, resolvedDeferred, rejectedDeferred,
    closeSentinel, acquireDefaultReader, defaultReaderRead, readerRelease, readableCancel,
    MAX_QUEUE } = S;
  const wmSet = S.setSlot;
  const promiseAll = Promise.all;

  // ---- WritableStream ----------------------------------------------------------------------------

  class WritableStream {
    constructor(underlyingSink = undefined, strategy = undefined) {
      if (internal(WritableStream)) { initWritable(this); return; }
      const sink = underlyingSink === null ? null : dict(underlyingSink, 'underlyingSink');
      if (sink === null) throw new TypeError("WritableStream: underlyingSink can't be null");
      const st = strategyOf(strategy);
      const s = initWritable(this);
      const abort = member(sink, 'abort', 'underlyingSink');
      const close = member(sink, 'close', 'underlyingSink');
      const start = member(sink, 'start', 'underlyingSink');
      const type = sink.type;
      const write = member(sink, 'write', 'underlyingSink');
      if (type !== undefined) throw new RangeError('WritableStream: invalid type');
      const size = extractSize(st);
      const hwm = extractHWM(st, 1);
      const c = make(WritableStreamDefaultController);
      setUpWritableController(s, slot(c, 'WSDC'),
        () => (start === undefined ? undefined : apply(start, sink, [c])),
        (chunk) => promiseCall(write, sink, [chunk, c]),
        () => promiseCall(close, sink, []),
        (r) => promiseCall(abort, sink, [r]), hwm, size);
    }
    get locked() { return slot(this, 'WS').writer !== undefined; }
    abort(reason = undefined) {
      try {
        const s = slot(this, 'WS');
        if (s.writer !== undefined) throw new TypeError('Cannot abort a locked stream');
        return writableAbort(s, reason);
      } catch (e) { return rejected(e); }
    }
    close() {
      try {
        const s = slot(this, 'WS');
        if (s.writer !== undefined) throw new TypeError('Cannot close a locked stream');
        if (closeQueuedOrInFlight(s)) throw new TypeError('The stream is already closing');
        return writableClose(s);
      } catch (e) { return rejected(e); }
    }
    getWriter() { return acquireWriter(slot(this, 'WS')).obj; }
  }

  function initWritable(obj) {
    const s = { __proto__: null, kind: 'WS', obj, state: 'writable', storedError: undefined, writer: undefined,
      controller: undefined, inFlightWriteRequest: undefined, closeRequest: undefined,
      inFlightCloseRequest: undefined, pendingAbortRequest: undefined, writeRequests: [],
      backpressure: false };
    wmSet(obj, s);
    return s;
  }
  function createWritable(start, write, close, abort, hwm, size) {
    const obj = make(WritableStream);
    const s = slot(obj, 'WS');
    setUpWritableController(s, slot(make(WritableStreamDefaultController), 'WSDC'), start, write, close, abort, hwm, size);
    return s;
  }
  function writableAbort(s, reason) {
    if (s.state === 'closed' || s.state === 'errored') return resolved(undefined);
    signalAbortController(s.controller, reason);
    const state = s.state;
    if (state === 'closed' || state === 'errored') return resolved(undefined);
    if (s.pendingAbortRequest !== undefined) return s.pendingAbortRequest.d.promise;
    let wasAlreadyErroring = false;
    if (state === 'erroring') { wasAlreadyErroring = true; reason = undefined; }
    const d = deferred();
    s.pendingAbortRequest = { d, reason, wasAlreadyErroring };
    if (!wasAlreadyErroring) startErroring(s, reason);
    return d.promise;
  }
  function writableClose(s) {
    if (s.state === 'closed' || s.state === 'errored') {
      return rejected(new TypeError('The stream is closed or errored'));
    }
    const d = deferred();
    s.closeRequest = d;
    const w = s.writer;
    if (w !== undefined && s.backpressure && s.state === 'writable') w.ready.resolve(undefined);
    const c = s.controller;
    enqueueValueWithSize(c, closeSentinel, 0);
    advanceQueueIfNeeded(c);
    return d.promise;
  }
  function addWriteRequest(s) {
    if (s.writeRequests.length >= MAX_QUEUE) throw queueFull();
    const d = deferred();
    s.writeRequests[s.writeRequests.length] = d;
    return d.promise;
  }
  function dealWithRejection(s, e) {
    if (s.state === 'writable') startErroring(s, e);
    else finishErroring(s);
  }
  function startErroring(s, reason) {
    const c = s.controller;
    s.state = 'erroring';
    s.storedError = reason;
    const w = s.writer;
    if (w !== undefined) writerEnsureReadyPromiseRejected(w, reason);
    if (!hasOperationMarkedInFlight(s) && c.started) finishErroring(s);
  }
  function finishErroring(s) {
    s.state = 'errored';
    resetQueue(s.controller);
    const e = s.storedError;
    const reqs = s.writeRequests;
    s.writeRequests = [];
    for (let i = 0; i < reqs.length; i++) reqs[i].reject(e);
    const abortRequest = s.pendingAbortRequest;
    if (abortRequest === undefined) { rejectCloseAndClosedPromiseIfNeeded(s); return; }
    s.pendingAbortRequest = undefined;
    if (abortRequest.wasAlreadyErroring) {
      abortRequest.d.reject(e);
      rejectCloseAndClosedPromiseIfNeeded(s);
      return;
    }
    const c = s.controller;
    const result = c.abort(abortRequest.reason);
    clearWritableAlgorithms(c);
    upon(result, () => {
      abortRequest.d.resolve(undefined);
      rejectCloseAndClosedPromiseIfNeeded(s);
    }, (r) => {
      abortRequest.d.reject(r);
      rejectCloseAndClosedPromiseIfNeeded(s);
    });
  }
  function finishInFlightWrite(s) {
    s.inFlightWriteRequest.resolve(undefined);
    s.inFlightWriteRequest = undefined;
  }
  function finishInFlightWriteWithError(s, e) {
    s.inFlightWriteRequest.reject(e);
    s.inFlightWriteRequest = undefined;
    dealWithRejection(s, e);
  }
  function finishInFlightClose(s) {
    s.inFlightCloseRequest.resolve(undefined);
    s.inFlightCloseRequest = undefined;
    if (s.state === 'erroring') {
      s.storedError = undefined;
      if (s.pendingAbortRequest !== undefined) {
        s.pendingAbortRequest.d.resolve(undefined);
        s.pendingAbortRequest = undefined;
      }
    }
    s.state = 'closed';
    if (s.writer !== undefined) s.writer.closed.resolve(undefined);
  }
  function finishInFlightCloseWithError(s, e) {
    s.inFlightCloseRequest.reject(e);
    s.inFlightCloseRequest = undefined;
    if (s.pendingAbortRequest !== undefined) {
      s.pendingAbortRequest.d.reject(e);
      s.pendingAbortRequest = undefined;
    }
    dealWithRejection(s, e);
  }
  const closeQueuedOrInFlight = (s) => s.closeRequest !== undefined || s.inFlightCloseRequest !== undefined;
  const hasOperationMarkedInFlight = (s) => s.inFlightWriteRequest !== undefined || s.inFlightCloseRequest !== undefined;
  function rejectCloseAndClosedPromiseIfNeeded(s) {
    if (s.closeRequest !== undefined) {
      s.closeRequest.reject(s.storedError);
      s.closeRequest = undefined;
    }
    const w = s.writer;
    if (w !== undefined) {
      w.closed.reject(s.storedError);
      setHandled(w.closed.promise);
    }
  }
  function updateBackpressure(s, backpressure) {
    const w = s.writer;
    if (w !== undefined && backpressure !== s.backpressure) {
      if (backpressure) w.ready = deferred();
      else w.ready.resolve(undefined);
    }
    s.backpressure = backpressure;
  }

  // ---- WritableStreamDefaultWriter -----------------------------------------------------------------

  class WritableStreamDefaultWriter {
    constructor(stream) {
      const w = { __proto__: null, kind: 'WSDW', obj: this, stream: undefined, ready: null, closed: null };
      if (!internal(WritableStreamDefaultWriter)) {
        const s = slot(stream, 'WS');
        wmSet(this, w);
        writerInit(w, s);
      } else {
        wmSet(this, w);
      }
    }
    get closed() {
      try { return slot(this, 'WSDW').closed.promise; } catch (e) { return rejected(e); }
    }
    get desiredSize() {
      const w = slot(this, 'WSDW');
      if (w.stream === undefined) throw new TypeError('The writer has no stream');
      return writerDesiredSize(w);
    }
    get ready() {
      try { return slot(this, 'WSDW').ready.promise; } catch (e) { return rejected(e); }
    }
    abort(reason = undefined) {
      try {
        const w = slot(this, 'WSDW');
        if (w.stream === undefined) throw new TypeError('The writer has no stream');
        return writableAbort(w.stream, reason);
      } catch (e) { return rejected(e); }
    }
    close() {
      try {
        const w = slot(this, 'WSDW');
        const s = w.stream;
        if (s === undefined) throw new TypeError('The writer has no stream');
        if (closeQueuedOrInFlight(s)) throw new TypeError('The stream is already closing');
        return writableClose(s);
      } catch (e) { return rejected(e); }
    }
    releaseLock() {
      const w = slot(this, 'WSDW');
      if (w.stream !== undefined) writerRelease(w);
    }
    write(chunk = undefined) {
      try {
        const w = slot(this, 'WSDW');
        if (w.stream === undefined) throw new TypeError('The writer has no stream');
        return writerWrite(w, chunk);
      } catch (e) { return rejected(e); }
    }
  }

  function writerInit(w, s) {
    if (s.writer !== undefined) throw new TypeError('The stream is locked to another writer');
    w.stream = s;
    s.writer = w;
    const state = s.state;
    if (state === 'writable') {
      w.ready = !closeQueuedOrInFlight(s) && s.backpressure ? deferred() : resolvedDeferred(undefined);
      w.closed = deferred();
    } else if (state === 'erroring') {
      w.ready = rejectedDeferred(s.storedError);
      w.closed = deferred();
    } else if (state === 'closed') {
      w.ready = resolvedDeferred(undefined);
      w.closed = resolvedDeferred(undefined);
    } else {
      w.ready = rejectedDeferred(s.storedError);
      w.closed = rejectedDeferred(s.storedError);
    }
  }
  function acquireWriter(s) {
    const obj = make(WritableStreamDefaultWriter);
    const w = slot(obj, 'WSDW');
    writerInit(w, s);
    return w;
  }
  function writerEnsureReadyPromiseRejected(w, e) {
    if (w.ready.pending) w.ready.reject(e);
    else w.ready = rejectedDeferred(e);
    setHandled(w.ready.promise);
  }
  function writerEnsureClosedPromiseRejected(w, e) {
    if (w.closed.pending) w.closed.reject(e);
    else w.closed = rejectedDeferred(e);
    setHandled(w.closed.promise);
  }
  function writerDesiredSize(w) {
    const s = w.stream;
    if (s.state === 'errored' || s.state === 'erroring') return null;
    if (s.state === 'closed') return 0;
    return s.controller.hwm - s.controller.queueTotalSize;
  }
  function writerRelease(w) {
    const e = new TypeError('The writer was released');
    writerEnsureReadyPromiseRejected(w, e);
    writerEnsureClosedPromiseRejected(w, e);
    w.stream.writer = undefined;
    w.stream = undefined;
  }
  function writerWrite(w, chunk) {
    const s = w.stream;
    const c = s.controller;
    const size = writableChunkSize(c, chunk);
    if (s !== w.stream) return rejected(new TypeError('The writer was released'));
    if (s.state === 'errored') return rejected(s.storedError);
    if (closeQueuedOrInFlight(s) || s.state === 'closed') return rejected(new TypeError('The stream is closing or closed'));
    if (s.state === 'erroring') return rejected(s.storedError);
    const p = addWriteRequest(s);
    writableControllerWrite(c, chunk, size);
    return p;
  }
  function writerCloseWithErrorPropagation(w) {
    const s = w.stream;
    if (closeQueuedOrInFlight(s) || s.state === 'closed') return resolved(undefined);
    if (s.state === 'errored') return rejected(s.storedError);
    return writableClose(s);
  }

  // ---- WritableStreamDefaultController -------------------------------------------------------------

  class WritableStreamDefaultController {
    constructor() {
      illegal(WritableStreamDefaultController);
      wmSet(this, { __proto__: null, kind: 'WSDC', obj: this });
    }
    get signal() {
      const c = slot(this, 'WSDC');
      if (c.abortController === undefined) {
        c.abortController = new (load('AbortController'))();
        if (c.aborted) c.abortController.abort(c.abortReason);
      }
      return c.abortController.signal;
    }
    error(e = undefined) {
      const c = slot(this, 'WSDC');
      if (c.stream.state !== 'writable') return;
      writableControllerError(c, e);
    }
  }
  // The controller's AbortController is made when `signal` is first read.
  function signalAbortController(c, reason) {
    if (c.aborted) return;
    c.aborted = true;
    c.abortReason = reason;
    if (c.abortController !== undefined) c.abortController.abort(reason);
  }

  function setUpWritableController(s, c, start, write, close, abort, hwm, size) {
    Object.assign(c, { stream: s, queue: [], queueTotalSize: 0, started: false, hwm, size,
      write, close, abort, abortController: undefined, aborted: false, abortReason: undefined });
    s.controller = c;
    updateBackpressure(s, c.hwm - c.queueTotalSize <= 0);
    const startResult = start();
    upon(resolved(startResult), () => {
      c.started = true;
      advanceQueueIfNeeded(c);
    }, (r) => {
      c.started = true;
      dealWithRejection(s, r);
    });
  }
  function clearWritableAlgorithms(c) {
    c.write = () => resolved(undefined);
    c.close = () => resolved(undefined);
    c.abort = () => resolved(undefined);
    c.size = undefined;
  }
  function writableChunkSize(c, chunk) {
    if (c.size === undefined) return 1;
    try { return c.size(chunk); } catch (e) {
      if (c.stream.state === 'writable') writableControllerError(c, e);
      return 1;
    }
  }
  function writableControllerWrite(c, chunk, size) {
    try {
      enqueueValueWithSize(c, chunk, size);
    } catch (e) {
      if (c.stream.state === 'writable') writableControllerError(c, e);
      return;
    }
    const s = c.stream;
    if (!closeQueuedOrInFlight(s) && s.state === 'writable') updateBackpressure(s, c.hwm - c.queueTotalSize <= 0);
    advanceQueueIfNeeded(c);
  }
  function advanceQueueIfNeeded(c) {
    const s = c.stream;
    if (!c.started || s.inFlightWriteRequest !== undefined) return;
    if (s.state === 'erroring') { finishErroring(s); return; }
    if (c.queue.length === 0) return;
    const value = c.queue[0].value;
    if (value === closeSentinel) {
      s.inFlightCloseRequest = s.closeRequest;
      s.closeRequest = undefined;
      dequeueValue(c);
      const p = c.close();
      clearWritableAlgorithms(c);
      upon(p, () => { finishInFlightClose(s); }, (r) => { finishInFlightCloseWithError(s, r); });
    } else {
      s.inFlightWriteRequest = arrayShift(s.writeRequests);
      upon(c.write(value), () => {
        finishInFlightWrite(s);
        dequeueValue(c);
        if (!closeQueuedOrInFlight(s) && s.state === 'writable') updateBackpressure(s, c.hwm - c.queueTotalSize <= 0);
        advanceQueueIfNeeded(c);
      }, (r) => {
        if (s.state === 'writable') clearWritableAlgorithms(c);
        finishInFlightWriteWithError(s, r);
      });
    }
  }
  function writableControllerError(c, e) {
    clearWritableAlgorithms(c);
    startErroring(c.stream, e);
  }

  // ---- pipeTo ------------------------------------------------------------------------------------

  function pipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
    const reader = acquireDefaultReader(source);
    const writer = acquireWriter(dest);
    source.disturbed = true;
    let shuttingDown = false;
    let currentWrite = resolved(undefined);
    const result = deferred();
    let abortAlgorithm;
    const E = signal !== undefined ? load('%events') : null;
    if (signal !== undefined) {
      abortAlgorithm = () => {
        const error = signal.reason;
        const actions = [];
        if (!preventAbort) actions[actions.length] = () => (dest.state === 'writable' ? writableAbort(dest, error) : resolved(undefined));
        if (!preventCancel) actions[actions.length] = () => (source.state === 'readable' ? readableCancel(source, error) : resolved(undefined));
        shutdownWithAction(() => apply(promiseAll, Promise, [apply(Array.prototype.map, actions, [(a) => a()])]), true, error);
      };
      if (signal.aborted) {
        abortAlgorithm();
        return result.promise;
      }
      E.addAlgorithm(signal, abortAlgorithm);
    }
    function pipeStep() {
      if (shuttingDown) return resolved(true);
      return then(writer.ready.promise, () => {
        const d = deferred();
        defaultReaderRead(reader, {
          chunk: (chunk) => {
            currentWrite = then(writerWrite(writer, chunk), undefined, noop);
            d.resolve(false);
          },
          close: () => d.resolve(true),
          error: (e) => d.reject(e),
        });
        return d.promise;
      });
    }
    function pipeLoop() {
      return new Promise((resolveLoop, rejectLoop) => {
        const next = (done) => {
          if (done) resolveLoop();
          else then(pipeStep(), next, rejectLoop);
        };
        next(false);
      });
    }
    function waitForWritesToFinish() {
      const old = currentWrite;
      return then(currentWrite, () => (old !== currentWrite ? waitForWritesToFinish() : undefined));
    }
    function finalize(isError, error) {
      writerRelease(writer);
      readerRelease(reader);
      if (signal !== undefined) E.removeAlgorithm(signal, abortAlgorithm);
      if (isError) result.reject(error);
      else result.resolve(undefined);
    }
    function shutdownWithAction(action, originalIsError, originalError) {
      if (shuttingDown) return;
      shuttingDown = true;
      const doTheRest = () => {
        let p;
        try { p = action(); } catch (e) { p = rejected(e); }
        upon(p, () => finalize(originalIsError, originalError), (newError) => finalize(true, newError));
      };
      if (dest.state === 'writable' && !closeQueuedOrInFlight(dest)) upon(waitForWritesToFinish(), doTheRest);
      else doTheRest();
    }
    function shutdown(isError, error) {
      if (shuttingDown) return;
      shuttingDown = true;
      if (dest.state === 'writable' && !closeQueuedOrInFlight(dest)) {
        upon(waitForWritesToFinish(), () => finalize(isError, error));
      } else {
        finalize(isError, error);
      }
    }
    const sourceErrored = (e) => {
      if (!preventAbort) shutdownWithAction(() => writableAbort(dest, e), true, e);
      else shutdown(true, e);
    };
    const destErrored = (e) => {
      if (!preventCancel) shutdownWithAction(() => readableCancel(source, e), true, e);
      else shutdown(true, e);
    };
    const sourceClosed = () => {
      if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
      else shutdown();
    };
    if (source.state === 'errored') sourceErrored(source.storedError);
    else upon(reader.closed.promise, undefined, sourceErrored);
    if (dest.state === 'errored') destErrored(dest.storedError);
    else upon(writer.closed.promise, undefined, destErrored);
    if (source.state === 'closed') sourceClosed();
    else upon(reader.closed.promise, sourceClosed);
    if (closeQueuedOrInFlight(dest) || dest.state === 'closed') {
      const destClosed = new TypeError('the destination writable stream closed before all data could be piped to it');
      if (!preventCancel) shutdownWithAction(() => readableCancel(source, destClosed), true, destClosed);
      else shutdown(true, destClosed);
    }
    setHandled(pipeLoop());
    return result.promise;
  }

  const classes = { WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController };
  for (const name of Object.keys(classes)) {
    Object.defineProperty(classes[name].prototype, Symbol.toStringTag, { value: name, configurable: true });
  }
  const internals = Object.freeze({ __proto__: null, pipeTo, createWritable, writableAbort,
    writableControllerError, acquireWriter, writerWrite, writerRelease,
    writerCloseWithErrorPropagation, closeQueuedOrInFlight });
  return { __proto__: null, ...classes, '%writable': internals };
})
