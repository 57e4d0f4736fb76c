// WPT-style tests of the streams, written after the cases of WPT's streams/ directory
// (readable-streams, readable-byte-streams, writable-streams, transform-streams, piping,
// queuing-strategies) and encoding/streams, compression/ (not copies).
'use strict';
const error1 = new Error('error1');
error1.name = 'error1';
const readAllChunks = async (rs) => { const out = []; for await (const c of rs) out.push(c); return out; };

wpt_suite('streams/readable-streams');

test(() => {
  new ReadableStream();
  new ReadableStream({});
  new ReadableStream({ type: undefined });
  new ReadableStream(undefined);
  assert_throws_js(TypeError, () => new ReadableStream(null));
  assert_throws_js(TypeError, () => new ReadableStream({ type: 'asdf' }));
  assert_throws_exactly(error1, () => new ReadableStream({ type: { toString() { throw error1; } } }));
  assert_throws_js(TypeError, () => new ReadableStream({ start: 'potato' }));
  assert_throws_js(TypeError, () => new ReadableStream({ cancel: '2' }));
  assert_throws_js(TypeError, () => new ReadableStream({ pull: {} }));
}, 'ReadableStream constructor arguments');

test(() => {
  const source = { start(c) { assert_equals(this, source); assert_class_string(c, 'ReadableStreamDefaultController'); } };
  new ReadableStream(source);
  function Proto() {}
  let called = false;
  Proto.prototype = { start() { called = true; } };
  new ReadableStream(new Proto());
  assert_true(called, 'start from the prototype chain');
}, 'start is called with the source as this');

test(() => {
  new ReadableStream().getReader(undefined);
  new ReadableStream().getReader({});
  new ReadableStream().getReader({ mode: undefined, notmode: 'ignored' });
  assert_throws_js(TypeError, () => new ReadableStream().getReader({ mode: 'potato' }));
}, 'getReader() only accepts mode undefined or byob');

promise_test(async () => {
  const startPromise = Promise.resolve();
  let pullCount = 0;
  new ReadableStream({ start() { return startPromise; }, pull() { pullCount++; } });
  await startPromise;
  assert_equals(pullCount, 1, 'pull once start finishes');
  await delay(10);
  assert_equals(pullCount, 1, 'exactly once');
}, 'pull is called once upon starting the stream');

promise_test(async () => {
  let pullCount = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); return startPromise; }, pull() { pullCount++; } });
  await startPromise;
  assert_equals(pullCount, 0, 'the queue is full');
  const read = rs.getReader().read();
  assert_equals(pullCount, 1, 'read() pulls immediately');
  assert_equals((await read).value, 'a');
}, 'pull is not called while the queue is at the high water mark');

promise_test(async () => {
  let controller;
  let pullCount = 0;
  const startPromise = Promise.resolve();
  const rs = new ReadableStream({ start(c) { controller = c; return startPromise; }, pull() { pullCount++; } });
  const reader = rs.getReader();
  await startPromise;
  controller.enqueue('a');
  controller.close();
  await reader.read();
  await delay(10);
  assert_equals(pullCount, 1, 'no pull while draining');
}, 'pull is not called for the last chunk while draining');

promise_test(async () => {
  const rs = new ReadableStream({ pull() { return Promise.reject(error1); } });
  const reader = rs.getReader();
  await promise_rejects_exactly(null, error1, reader.read());
  await promise_rejects_exactly(null, error1, reader.closed);
}, 'a rejected pull errors the stream');

promise_test(async () => {
  let resolvePull;
  let pullCount = 0;
  const rs = new ReadableStream({ pull(c) { pullCount++; c.enqueue(pullCount); return new Promise((r) => { resolvePull = r; }); } }, { highWaterMark: 4 });
  await delay(10);
  assert_equals(pullCount, 1, 'no pull while the previous one is pending');
  resolvePull();
  await delay(10);
  assert_equals(pullCount, 2);
  void rs;
}, 'pull is not called again until its promise settles');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
  const reader = rs.getReader();
  const [r1, r2] = await Promise.all([reader.read(), reader.read()]);
  assert_equals(r1.value, 'a');
  assert_true(r2.done);
  assert_equals(Object.getPrototypeOf(r1), Object.prototype, 'read results are plain objects');
  assert_array_equals(Object.keys(r1), ['value', 'done']);
}, 'read() results');

promise_test(async () => {
  let cancelReason;
  const rs = new ReadableStream({ cancel(r) { cancelReason = r; return delay(1).then(() => 'ignored'); } });
  const result = await rs.cancel('reason');
  assert_equals(result, undefined);
  assert_equals(cancelReason, 'reason');
}, 'cancel() fulfils with undefined after the source cancel');

promise_test(async () => {
  const rs = new ReadableStream({ cancel() { throw error1; } });
  await promise_rejects_exactly(null, error1, rs.cancel());
}, 'cancel() rejects when the source cancel throws');

promise_test(async () => {
  const rs = new ReadableStream();
  const reader = rs.getReader();
  const read = reader.read();
  await reader.cancel();
  assert_true((await read).done, 'pending reads fulfil as done on cancel');
}, 'cancel fulfils pending reads');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); } });
  const reader = rs.getReader();
  reader.releaseLock();
  const reader2 = rs.getReader();
  assert_equals((await reader2.read()).value, 'a');
  await promise_rejects_js(null, TypeError, reader.closed);
}, 'releaseLock lets another reader read');

test(() => {
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader({}));
  const rs = new ReadableStream();
  new ReadableStreamDefaultReader(rs);
  assert_throws_js(TypeError, () => new ReadableStreamDefaultReader(rs), 'locked');
  assert_throws_js(TypeError, () => new ReadableStreamBYOBReader(new ReadableStream()), 'not a byte stream');
}, 'reader constructors');

promise_test(async () => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } }, { highWaterMark: 0.1, size() { return 0.3; } });
  controller.enqueue('a');
  controller.enqueue('b');
  controller.enqueue('c');
  const reader = rs.getReader();
  await reader.read();
  await reader.read();
  await reader.read();
  assert_equals(controller.desiredSize, 0.1, 'the queue total size is clamped at 0, not -tiny');
}, 'floating-point total queue size');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
  const [b1, b2] = rs.tee();
  assert_array_equals(await readAllChunks(b1), ['a', 'b']);
  assert_array_equals(await readAllChunks(b2), ['a', 'b']);
}, 'tee: both branches read everything');

promise_test(async () => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const [b1, b2] = rs.tee();
  const r1 = b1.getReader(), r2 = b2.getReader();
  controller.error(error1);
  await promise_rejects_exactly(null, error1, r1.closed);
  await promise_rejects_exactly(null, error1, r2.closed);
}, 'tee: an error reaches both branches');

promise_test(async () => {
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  const [b1, b2] = rs.tee();
  const p1 = b1.cancel('1');
  const p2 = b2.cancel('2');
  await Promise.all([p1, p2]);
  assert_array_equals(reason, ['1', '2']);
}, 'tee: canceling both branches cancels the source with both reasons');

promise_test(async () => {
  const chunks = await readAllChunks(ReadableStream.from((function* () { yield 1; yield 2; })()));
  assert_array_equals(chunks, [1, 2]);
  const fromAsync = await readAllChunks(ReadableStream.from((async function* () { yield 'a'; })()));
  assert_array_equals(fromAsync, ['a']);
  assert_throws_js(TypeError, () => ReadableStream.from(null));
  assert_throws_js(TypeError, () => ReadableStream.from({}));
}, 'ReadableStream.from iterables');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
  const it = rs[Symbol.asyncIterator]();
  assert_equals((await it.next()).value, 1);
  const ret = await it.return('v');
  assert_equals(ret.value, 'v');
  assert_true(ret.done);
  assert_false(rs.locked);
  assert_true((await it.next()).done);
}, 'async iterator return() releases the lock');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(1); } });
  const it = rs.values();
  const [a, b] = await Promise.all([it.next(), it.return()]);
  assert_equals(a.value, 1);
  assert_true(b.done);
}, 'async iterator next() and return() are queued');

promise_test(async (t) => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
  const trapped = ['highWaterMark', 'size', 'start', 'type', 'mode', 'pull', 'cancel', 'write',
    'close', 'abort', 'transform', 'flush', 'signal', 'preventClose', 'then'];
  for (const p of trapped) {
    Object.defineProperty(Object.prototype, p, { get() { throw new Error(`${p} getter called`); }, configurable: true });
  }
  t.add_cleanup(() => { for (const p of trapped) delete Object.prototype[p]; });
  const [b1, b2] = rs.tee();
  const locked = Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked').get;
  locked.call(b1);
  locked.call(b2);
  const ws = new WritableStream(Object.create(null));
  const piped = b1.pipeTo(ws, Object.create(null));
  const reader = b2.getReader(Object.create(null));
  for (const p of trapped) delete Object.prototype[p];
  await piped;
  assert_equals((await reader.read()).value, 'a');
}, 'tee() and pipeTo() do not touch Object.prototype properties');

test((t) => {
  const rs = new ReadableStream();
  const old = globalThis.ReadableStream;
  globalThis.ReadableStream = function () { throw new Error('the global ReadableStream was called'); };
  t.add_cleanup(() => { globalThis.ReadableStream = old; });
  const [b1, b2] = rs.tee();
  assert_true(b1 instanceof old && b2 instanceof old);
}, 'tee() does not call the global ReadableStream');

wpt_suite('streams/readable-byte-streams');

promise_test(async () => {
  let byobRequest;
  const rs = new ReadableStream({ type: 'bytes', pull(c) { byobRequest = c.byobRequest; byobRequest.view[0] = 1; byobRequest.respond(1); } });
  const reader = rs.getReader({ mode: 'byob' });
  const view = new Uint8Array(2);
  const { value } = await reader.read(view);
  assert_equals(view.byteLength, 0, 'the view\'s buffer is transferred');
  assert_equals(value.byteLength, 1);
  assert_equals(value[0], 1);
  assert_equals(byobRequest.view, null, 'the request is invalidated');
}, 'BYOB read transfers the buffer and fills it');

promise_test(async () => {
  const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4])); c.close(); } });
  const reader = rs.getReader({ mode: 'byob' });
  const a = await reader.read(new Uint16Array(1));
  assert_array_equals(new Uint8Array(a.value.buffer, a.value.byteOffset, 2), [1, 2]);
  const b = await reader.read(new Uint8Array(10));
  assert_array_equals(b.value, [3, 4]);
  const c = await reader.read(new Uint8Array(1));
  assert_true(c.done);
}, 'BYOB reads from the queue with element sizes');

promise_test(async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  const reader = rs.getReader({ mode: 'byob' });
  const p = reader.read(new Uint16Array(2));
  controller.enqueue(new Uint8Array([1]));
  assert_throws_js(TypeError, () => controller.close());
  await promise_rejects_js(null, TypeError, p);
  await promise_rejects_js(null, TypeError, reader.closed);
}, 'closing with a partial element throws and errors the stream');

promise_test(async () => {
  const rs = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 16, pull(c) { const v = c.byobRequest.view; v[0] = 7; c.byobRequest.respond(1); } });
  const { value } = await rs.getReader().read();
  assert_equals(value.byteLength, 1);
  assert_equals(value.buffer.byteLength, 16);
}, 'autoAllocateChunkSize gives default readers a byobRequest');

test(() => {
  let controller;
  new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  assert_class_string(controller, 'ReadableByteStreamController');
  assert_equals(controller.byobRequest, null);
  assert_equals(controller.desiredSize, 0);
  const buf = new Uint8Array(4);
  controller.enqueue(buf);
  assert_equals(buf.byteLength, 0, 'enqueue transfers the buffer');
}, 'byte stream controller basics');

wpt_suite('streams/writable-streams');

promise_test(async () => {
  const ws = new WritableStream({}, { highWaterMark: 0 });
  const writer = ws.getWriter();
  assert_equals(writer.desiredSize, 0);
  let readyResolved = false;
  writer.ready.then(() => { readyResolved = true; });
  await delay(0);
  assert_false(readyResolved, 'backpressure with hwm 0');
}, 'writer.ready with a high water mark of 0');

promise_test(async () => {
  const order = [];
  const ws = new WritableStream({
    write(c) { order.push(`write ${c}`); return delay(1); },
    close() { order.push('close'); },
  });
  const writer = ws.getWriter();
  writer.write('a');
  writer.write('b');
  await writer.close();
  assert_array_equals(order, ['write a', 'write b', 'close']);
}, 'writes run in order before close');

promise_test(async () => {
  const ws = new WritableStream({ write() { return Promise.reject(error1); } });
  const writer = ws.getWriter();
  await promise_rejects_exactly(null, error1, writer.write('a'));
  await promise_rejects_exactly(null, error1, writer.closed);
  await promise_rejects_exactly(null, error1, writer.ready);
}, 'a failed write errors the stream');

promise_test(async () => {
  let abortReason;
  const ws = new WritableStream({ abort(r) { abortReason = r; } });
  const writer = ws.getWriter();
  const w = writer.write('a');
  await writer.abort(error1);
  assert_equals(abortReason, error1);
  await w.catch(() => {});
  await promise_rejects_exactly(null, error1, writer.closed);
}, 'abort() with a pending write');

promise_test(async () => {
  const ws = new WritableStream();
  const writer = ws.getWriter();
  writer.releaseLock();
  await promise_rejects_js(null, TypeError, writer.write('a'));
  await promise_rejects_js(null, TypeError, writer.close());
  assert_throws_js(TypeError, () => writer.desiredSize);
}, 'a released writer rejects');

promise_test(async () => {
  const ws = new WritableStream();
  const w = ws.getWriter();
  await w.close();
  await promise_rejects_js(null, TypeError, w.close(), 'close twice');
  await w.abort('x');
}, 'close twice rejects, abort after close is a no-op');

wpt_suite('streams/transform-streams');

promise_test(async () => {
  const ts = new TransformStream();
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  writer.write('a');
  assert_equals((await reader.read()).value, 'a');
  writer.close();
  assert_true((await reader.read()).done);
}, 'identity TransformStream');

promise_test(async () => {
  const ts = new TransformStream({ transform(c, ctl) { ctl.enqueue(c.toUpperCase()); } });
  const writer = ts.writable.getWriter();
  writer.write('a');
  writer.write('b');
  writer.close();
  assert_array_equals(await readAllChunks(ts.readable), ['A', 'B']);
}, 'transform is called for each chunk');

promise_test(async () => {
  const ts = new TransformStream({ flush() { throw error1; } });
  const writer = ts.writable.getWriter();
  await promise_rejects_exactly(null, error1, writer.close());
  await promise_rejects_exactly(null, error1, ts.readable.getReader().closed);
}, 'a throwing flush errors both sides');

promise_test(async () => {
  let controller;
  const ts = new TransformStream({ start(c) { controller = c; } });
  controller.error(error1);
  await promise_rejects_exactly(null, error1, ts.writable.getWriter().closed);
  await promise_rejects_exactly(null, error1, ts.readable.getReader().closed);
}, 'controller.error errors both sides');

promise_test(async () => {
  const ts = new TransformStream({}, undefined, { highWaterMark: 2 });
  const writer = ts.writable.getWriter();
  await writer.ready;
  assert_equals(writer.desiredSize, 1);
  writer.write('a');
  writer.write('b');
  await delay(0);
  assert_equals(writer.desiredSize, 1, 'the readable side absorbs two chunks');
  writer.write('c');
  await delay(0);
  assert_equals(writer.desiredSize, 0, 'then backpressure');
}, 'readable strategy high water mark');

wpt_suite('streams/piping');

promise_test(async () => {
  const chunks = [];
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
  const ws = new WritableStream({ write(c) { chunks.push(c); } });
  await rs.pipeTo(ws);
  assert_array_equals(chunks, ['a', 'b']);
  assert_false(rs.locked);
  assert_false(ws.locked);
}, 'pipeTo copies every chunk and releases the locks');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.error(error1); } });
  let aborted;
  const ws = new WritableStream({ abort(r) { aborted = r; } });
  await promise_rejects_exactly(null, error1, rs.pipeTo(ws));
  assert_equals(aborted, error1);
}, 'an errored source aborts the destination');

promise_test(async () => {
  let canceled;
  const rs = new ReadableStream({ cancel(r) { canceled = r; } });
  const ws = new WritableStream({ start(c) { c.error(error1); } });
  await promise_rejects_exactly(null, error1, rs.pipeTo(ws));
  assert_equals(canceled, error1);
}, 'an errored destination cancels the source');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
  const ws = new WritableStream();
  await rs.pipeTo(ws, { preventClose: true });
  const w = ws.getWriter();
  await w.write('still open');
}, 'preventClose keeps the destination open');

promise_test(async () => {
  const rs = new ReadableStream({ start(c) { c.error(error1); } });
  const ws = new WritableStream();
  await promise_rejects_exactly(null, error1, rs.pipeTo(ws, { preventAbort: true }));
  await ws.getWriter().write('x');
}, 'preventAbort keeps the destination writable');

promise_test(async () => {
  const c = new AbortController();
  const rs = new ReadableStream();
  const ws = new WritableStream();
  const p = rs.pipeTo(ws, { signal: c.signal, preventAbort: true, preventCancel: true });
  c.abort();
  await promise_rejects_dom(null, 'AbortError', p);
  assert_false(rs.locked);
  assert_false(ws.locked);
}, 'aborting the signal stops the pipe');

test(() => {
  const rs = new ReadableStream();
  const { readable, writable } = new TransformStream();
  assert_equals(rs.pipeThrough({ readable, writable }), readable);
  assert_true(rs.locked);
  assert_throws_js(TypeError, () => rs.pipeThrough(new TransformStream()), 'locked source');
}, 'pipeThrough returns the readable side');

wpt_suite('streams/queuing-strategies');

test(() => {
  const s = new CountQueuingStrategy({ highWaterMark: 4 });
  assert_equals(s.highWaterMark, 4);
  assert_equals(s.size('anything'), 1);
  const b = new ByteLengthQueuingStrategy({ highWaterMark: 4 });
  assert_equals(b.size({ byteLength: 3 }), 3);
  assert_equals(new CountQueuingStrategy({ highWaterMark: -1 }).highWaterMark, -1, 'not validated here');
  assert_throws_js(TypeError, () => new ByteLengthQueuingStrategy(), 'a dictionary is required');
  assert_equals(Object.getOwnPropertyDescriptor(CountQueuingStrategy.prototype, 'size').get.call(s), s.size);
}, 'queuing strategies');

wpt_suite('encoding/streams');

promise_test(async () => {
  const ts = new TextEncoderStream();
  const writer = ts.writable.getWriter();
  writer.write('\uD83D');
  writer.write('\uDE00');
  writer.close();
  const chunks = await readAllChunks(ts.readable);
  const bytes = chunks.flatMap((c) => Array.from(c));
  assert_array_equals(bytes, [0xf0, 0x9f, 0x98, 0x80]);
}, 'TextEncoderStream joins a surrogate pair split across chunks');

promise_test(async () => {
  const ts = new TextEncoderStream();
  const writer = ts.writable.getWriter();
  writer.write('');
  writer.write('a');
  writer.close();
  const chunks = await readAllChunks(ts.readable);
  assert_equals(chunks.length, 1, 'empty strings produce no chunk');
}, 'TextEncoderStream skips empty chunks');

promise_test(async () => {
  const ts = new TextDecoderStream('utf-16le');
  assert_equals(ts.encoding, 'utf-16le');
  const writer = ts.writable.getWriter();
  writer.write(new Uint8Array([0x41]));
  writer.write(new Uint8Array([0x00, 0x42, 0x00]));
  writer.close();
  assert_equals((await readAllChunks(ts.readable)).join(''), 'AB');
}, 'TextDecoderStream decodes UTF-16LE split across chunks');

wpt_suite('compression');

promise_test(async () => {
  const input = new TextEncoder().encode('expected output');
  for (const format of ['deflate', 'deflate-raw', 'gzip']) {
    const cs = new CompressionStream(format);
    const ds = new DecompressionStream(format);
    const out = new Response(new Blob([input]).stream().pipeThrough(cs).pipeThrough(ds));
    assert_equals(await out.text(), 'expected output', format);
  }
}, 'compress then decompress gives the input back');

promise_test(async () => {
  const ds = new DecompressionStream('deflate');
  const writer = ds.writable.getWriter();
  writer.write(new Uint8Array([1, 2, 3])).catch(() => {});
  writer.close().catch(() => {});
  await promise_rejects_js(null, TypeError, ds.readable.getReader().read());
}, 'corrupt input is a TypeError');

test(() => {
  assert_throws_js(TypeError, () => new CompressionStream('zstd'));
  assert_throws_js(TypeError, () => new DecompressionStream('GZIP'), 'formats are case-sensitive');
}, 'unknown formats are TypeErrors');

wpt_done();
