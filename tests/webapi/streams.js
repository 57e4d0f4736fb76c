test('Blob.stream', async () => {
  const data = new Uint8Array(150000);
  for (let i = 0; i < data.length; i++) data[i] = i & 255;
  const r = new Blob([data]).stream().getReader();
  let total = 0, chunks = 0, ok = true;
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    for (let i = 0; i < value.length; i++) if (value[i] !== ((total + i) & 255)) ok = false;
    total += value.length;
    chunks++;
  }
  assertEq(total, 150000);
  assert(chunks >= 3);
  assert(ok);
});


const collect = async (rs) => {
  const out = [];
  for await (const c of rs) out.push(c);
  return out;
};
const flush = () => new Promise((r) => setTimeout(r, 0));

test('ReadableStream: start/enqueue/close and a default reader', async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
  const r = rs.getReader();
  assertEq(rs.locked, true);
  assertEq(JSON.stringify(await r.read()), '{"value":"a","done":false}');
  assertEq((await r.read()).value, 'b');
  assertEq((await r.read()).done, true);
  await r.closed;
  r.releaseLock();
  assertEq(rs.locked, false);
  assertThrows(() => new ReadableStream({ type: 'nope' }), TypeError);
  assertThrows(() => new ReadableStream(null), TypeError);
  assertThrows(() => new ReadableStream({ start: 5 }), TypeError);
  assertThrows(() => new ReadableStreamDefaultController(), TypeError);
  assertThrows(() => new ReadableStreamBYOBRequest(), TypeError);
  assertEq(Object.prototype.toString.call(rs), '[object ReadableStream]');
});

test('ReadableStream: pull is driven by the high water mark and reads', async () => {
  let pulls = 0;
  const rs = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); if (pulls === 5) c.close(); } },
    { highWaterMark: 2 });
  await flush();
  assertEq(pulls, 2, 'fills to the high water mark');
  assertArrayEq(await collect(rs), [1, 2, 3, 4, 5]);
});

test('ReadableStream: desiredSize, size() and bad strategies', async () => {
  let ctl;
  new ReadableStream({ start(c) { ctl = c; } }, { highWaterMark: 10, size: (ch) => ch.length });
  assertEq(ctl.desiredSize, 10);
  ctl.enqueue('abcd');
  assertEq(ctl.desiredSize, 6);
  assertThrows(() => new ReadableStream({}, { highWaterMark: -1 }), RangeError);
  assertThrows(() => new ReadableStream({}, { highWaterMark: NaN }), RangeError);
  assertThrows(() => new ReadableStream({}, { get highWaterMark() { throw new SyntaxError('h'); } }), SyntaxError);
  let c2;
  const rs = new ReadableStream({ start(c) { c2 = c; } }, { size() { throw new URIError('s'); } });
  assertThrows(() => c2.enqueue(1), URIError);
  await assertRejects(rs.getReader().read(), URIError, 'size() errors the stream');
  let c3;
  const rs3 = new ReadableStream({ start(c) { c3 = c; } }, { size: () => -1 });
  assertThrows(() => c3.enqueue(1), RangeError);
  await assertRejects(rs3.getReader().closed, RangeError);
});

test('ReadableStream: errors and cancel', async () => {
  const err = new Error('e');
  const rs = new ReadableStream({ start(c) { c.error(err); } });
  const r = rs.getReader();
  assertEq(await r.read().catch((e) => e), err);
  assertEq(await r.closed.catch((e) => e), err);
  let reason;
  const rs2 = new ReadableStream({ start(c) { c.enqueue(1); }, cancel(why) { reason = why; return 'ignored'; } });
  assertEq(await rs2.cancel('because'), undefined);
  assertEq(reason, 'because');
  const r2 = rs2.getReader();
  assertEq((await r2.read()).done, true);
  const rs3 = new ReadableStream({ pull() { throw new RangeError('pull'); } });
  await assertRejects(rs3.getReader().read(), RangeError);
  const rs4 = new ReadableStream({ start() { return Promise.reject(new EvalError('start')); } });
  await assertRejects(rs4.getReader().closed, EvalError);
  const locked = new ReadableStream();
  locked.getReader();
  await assertRejects(locked.cancel(), TypeError);
  assertThrows(() => locked.getReader(), TypeError);
  assertThrows(() => locked.getReader({ mode: 'byob' }), TypeError);
  assertThrows(() => new ReadableStream().getReader({ mode: 'byob' }), TypeError, 'not a byte stream');
});

test('ReadableStream: releaseLock rejects pending reads', async () => {
  const rs = new ReadableStream();
  const r = rs.getReader();
  const p = r.read();
  r.releaseLock();
  await assertRejects(p, TypeError);
  await assertRejects(r.closed, TypeError);
  await assertRejects(r.read(), TypeError);
  rs.getReader();
});

test('ReadableStream: enqueue from within pull and reads from within read callbacks (reentrancy)', async () => {
  let n = 0;
  const rs = new ReadableStream({ pull(c) { c.enqueue(n++); c.enqueue(n++); if (n >= 10) c.close(); } }, { highWaterMark: 0 });
  const r = rs.getReader();
  const got = [];
  const step = async () => { const { done, value } = await r.read(); if (!done) { got.push(value); await step(); } };
  await step();
  assertArrayEq(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const rs2 = new ReadableStream({ start(c) { c.enqueue(1); c.close(); assertThrows(() => c.enqueue(2), TypeError); assertThrows(() => c.close(), TypeError); } });
  assertArrayEq(await collect(rs2), [1]);
});

test('ReadableStream: the queue is capped', async () => {
  let ctl;
  const rs = new ReadableStream({ start(c) { ctl = c; } }, { size: () => 0 });
  let threw = null;
  try { for (let i = 0; i < (1 << 21); i++) ctl.enqueue(i); } catch (e) { threw = e; }
  assert(threw instanceof RangeError, 'RangeError at the cap');
  await assertRejects(rs.getReader().closed, RangeError);
});

test('async iteration: break cancels, preventCancel keeps the stream', async () => {
  let canceled = false;
  const mk = () => new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); }, cancel() { canceled = true; } });
  const rs = mk();
  for await (const v of rs) { if (v === 1) break; }
  assert(canceled);
  assertEq(rs.locked, false);
  canceled = false;
  const rs2 = mk();
  for await (const v of rs2.values({ preventCancel: true })) { if (v === 1) break; }
  assert(!canceled);
  assertEq((await rs2.getReader().read()).value, 2);
  const it = new ReadableStream({ start(c) { c.error(new SyntaxError('x')); } })[Symbol.asyncIterator]();
  await assertRejects(it.next(), SyntaxError);
  assertEq((await it.next()).done, true);
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(it));
  assertEq(typeof proto[Symbol.asyncIterator], 'function');
});

test('ReadableStream.from', async () => {
  assertArrayEq(await collect(ReadableStream.from([1, 2, 3])), [1, 2, 3]);
  async function* gen() { yield 'a'; yield 'b'; }
  assertArrayEq(await collect(ReadableStream.from(gen())), ['a', 'b']);
  assertArrayEq(await collect(ReadableStream.from([Promise.resolve(7)])), [7]);
  assertThrows(() => ReadableStream.from(5), TypeError);
  assertThrows(() => ReadableStream.from({ [Symbol.iterator]: () => 1 }), TypeError);
  let returned = false;
  const iter = { [Symbol.iterator]() { return { next: () => ({ value: 1, done: false }), return() { returned = true; return {}; } }; } };
  const rs = ReadableStream.from(iter);
  const r = rs.getReader();
  await r.read();
  await r.cancel('x');
  assert(returned);
  const bad = ReadableStream.from({ [Symbol.iterator]() { return { next: () => 5 }; } });
  await assertRejects(bad.getReader().read(), TypeError);
});

test('tee: both branches get every chunk; cancel needs both', async () => {
  let reason;
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); }, cancel(r) { reason = r; } });
  const [a, b] = rs.tee();
  assertEq(rs.locked, true);
  assertArrayEq(await collect(a), [1, 2]);
  assertArrayEq(await collect(b), [1, 2]);
  const rs2 = new ReadableStream({ cancel(r) { reason = r; } });
  const [c, d] = rs2.tee();
  const pc = c.cancel('c');
  assertEq(reason, undefined);
  await d.cancel('d');
  await pc;
  assertArrayEq(reason, ['c', 'd']);
  const err = new Error('t');
  const rs3 = new ReadableStream({ start(ctl) { ctl.error(err); } });
  const [e, f] = rs3.tee();
  assertEq(await e.getReader().closed.catch((x) => x), err);
  assertEq(await f.getReader().closed.catch((x) => x), err);
});

test('byte streams: default reader, BYOB reader, respond', async () => {
  const rs = new ReadableStream({
    type: 'bytes',
    pull(c) {
      const req = c.byobRequest;
      if (req) {
        req.view[0] = 42;
        req.respond(1);
      } else {
        c.enqueue(new Uint8Array([1, 2, 3]));
      }
    },
  });
  const r = rs.getReader({ mode: 'byob' });
  assertEq(Object.prototype.toString.call(r), '[object ReadableStreamBYOBReader]');
  const { value, done } = await r.read(new Uint8Array(4));
  assertEq(done, false);
  assertArrayEq(value, [42]);
  assertEq(value.buffer.byteLength, 4);
  r.releaseLock();
  const d = rs.getReader();
  const x = await d.read();
  assert(x.value instanceof Uint8Array);
  await assertRejects(r.read(new Uint8Array(1)), TypeError);
});

test('byte streams: enqueued bytes fill BYOB views (min, element sizes)', async () => {
  let ctl;
  const rs = new ReadableStream({ type: 'bytes', start(c) { ctl = c; } });
  ctl.enqueue(new Uint8Array([1, 2, 3]));
  ctl.enqueue(new Uint8Array([4, 5]));
  const r = rs.getReader({ mode: 'byob' });
  const a = await r.read(new Uint8Array(4), { min: 4 });
  assertArrayEq(a.value, [1, 2, 3, 4]);
  const p = r.read(new Uint16Array(2));
  ctl.enqueue(new Uint8Array([6, 7, 8]));
  const b = await p;
  assert(b.value instanceof Uint16Array);
  assertEq(b.value.length, 2);
  const bytes = new Uint8Array(b.value.buffer, b.value.byteOffset, 4);
  assertArrayEq(bytes, [5, 6, 7, 8]);
  ctl.close();
  const c = await r.read(new Uint8Array(2));
  assertEq(c.done, true);
  assertEq(c.value.length, 0);
  await assertRejects(r.read(new Uint8Array(0)), TypeError);
  await assertRejects(r.read(new Uint8Array(2), { min: 3 }), RangeError);
  await assertRejects(r.read(new Uint8Array(2), { min: 0 }), TypeError);
  await assertRejects(r.read('x'), TypeError);
});

test('byte streams: autoAllocateChunkSize, respondWithNewView, errors', async () => {
  const rs = new ReadableStream({
    type: 'bytes', autoAllocateChunkSize: 8,
    pull(c) {
      const v = c.byobRequest.view;
      assertEq(v.byteLength, 8);
      c.byobRequest.respondWithNewView(new Uint8Array(v.buffer, v.byteOffset, 2).fill(9));
    },
  });
  const r = rs.getReader();
  assertArrayEq((await r.read()).value, [9, 9]);
  assertThrows(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 }), TypeError);
  assertThrows(() => new ReadableStream({ type: 'bytes' }, { size: () => 1 }), RangeError);
  let ctl;
  new ReadableStream({ type: 'bytes', start(c) { ctl = c; } });
  assertThrows(() => ctl.enqueue(new Uint8Array(0)), TypeError);
  assertThrows(() => ctl.enqueue('str'), TypeError);
  ctl.close();
  assertThrows(() => ctl.close(), TypeError);
  assertThrows(() => ctl.enqueue(new Uint8Array(1)), TypeError);
  let bad;
  const rs2 = new ReadableStream({ type: 'bytes', pull(c) { bad = c.byobRequest; assertThrows(() => bad.respond(99), RangeError); bad.respond(1); } });
  await rs2.getReader({ mode: 'byob' }).read(new Uint8Array(2));
  assertThrows(() => bad.respond(1), TypeError, 'invalidated request');
});

test('byte streams: tee copies chunks to both branches', async () => {
  const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2])); c.close(); } });
  const [a, b] = rs.tee();
  const ra = a.getReader({ mode: 'byob' });
  const x = await ra.read(new Uint8Array(4));
  assertArrayEq(x.value, [1, 2]);
  const y = await collect(b);
  assertArrayEq(y[0], [1, 2]);
  assert(x.value.buffer !== y[0].buffer);
});

test('WritableStream: writer, backpressure, close', async () => {
  const written = [];
  let closed = false;
  const ws = new WritableStream({
    write(chunk) { written.push(chunk); return new Promise((r) => setTimeout(r, 1)); },
    close() { closed = true; },
  }, { highWaterMark: 2 });
  const w = ws.getWriter();
  assertEq(ws.locked, true);
  assertEq(w.desiredSize, 2);
  w.write('a');
  w.write('b');
  assertEq(w.desiredSize, 0);
  await w.ready;
  await w.write('c');
  await w.close();
  await w.closed;
  assertArrayEq(written, ['a', 'b', 'c']);
  assert(closed);
  await assertRejects(w.write('d'), TypeError);
  assertThrows(() => ws.getWriter(), TypeError);
  w.releaseLock();
  await assertRejects(w.closed, TypeError);
  assertThrows(() => new WritableStream({ type: 'x' }), RangeError);
  assertThrows(() => new WritableStreamDefaultController(), TypeError);
});

test('WritableStream: abort, controller.signal, errors from the sink', async () => {
  let abortReason, signal;
  const ws = new WritableStream({ start(c) { signal = c.signal; }, abort(r) { abortReason = r; } });
  const w = ws.getWriter();
  await w.abort('stop');
  assertEq(abortReason, 'stop');
  assertEq(signal.aborted, true);
  assertEq(signal.reason, 'stop');
  assertEq(await w.closed.catch((e) => e), 'stop');
  const err = new RangeError('sink');
  const ws2 = new WritableStream({ write() { throw err; } });
  const w2 = ws2.getWriter();
  assertEq(await w2.write(1).catch((e) => e), err);
  assertEq(await w2.closed.catch((e) => e), err);
  await assertRejects(w2.write(2), RangeError);
  let ctl;
  const ws3 = new WritableStream({ start(c) { ctl = c; } });
  ctl.error(new URIError('u'));
  await assertRejects(ws3.getWriter().closed, URIError);
  await assertRejects(new WritableStream().close().then(() => { throw new TypeError('closed twice?'); }).then(() => 0), TypeError);
});

test('pipeTo and pipeThrough', async () => {
  const out = [];
  await ReadableStream.from([1, 2, 3]).pipeTo(new WritableStream({ write(c) { out.push(c); } }));
  assertArrayEq(out, [1, 2, 3]);
  const t = new TransformStream({ transform(c, ctl) { ctl.enqueue(c * 10); } });
  assertArrayEq(await collect(ReadableStream.from([1, 2]).pipeThrough(t)), [10, 20]);
  const ws = new WritableStream();
  await ReadableStream.from([1]).pipeTo(ws, { preventClose: true });
  const w = ws.getWriter();
  await w.write(2);
  const err = new Error('src');
  let aborted;
  await assertRejects(new ReadableStream({ start(c) { c.error(err); } })
    .pipeTo(new WritableStream({ abort(r) { aborted = r; } })), Error);
  assertEq(aborted, err);
  await assertRejects(ReadableStream.prototype.pipeTo.call(new ReadableStream(), {}), TypeError);
  await assertRejects(new ReadableStream().pipeTo(new WritableStream(), { signal: 1 }), TypeError);
  assertThrows(() => new ReadableStream().pipeThrough({ readable: 1, writable: new WritableStream() }), TypeError);
});

test('pipeTo with an AbortSignal', async () => {
  const ac = new AbortController();
  let canceled, aborted;
  const rs = new ReadableStream({ cancel(r) { canceled = r; } });
  const ws = new WritableStream({ abort(r) { aborted = r; } });
  const p = rs.pipeTo(ws, { signal: ac.signal });
  ac.abort('halt');
  assertEq(await p.catch((e) => e), 'halt');
  assertEq(canceled, 'halt');
  assertEq(aborted, 'halt');
  assertEq(rs.locked, false);
  const p2 = new ReadableStream().pipeTo(new WritableStream(), { signal: AbortSignal.abort() });
  assertEq((await p2.catch((e) => e)).name, 'AbortError');
});

test('TransformStream: identity, flush, terminate, errors, backpressure', async () => {
  const id = new TransformStream();
  const w = id.writable.getWriter();
  w.write('x');
  w.close();
  assertArrayEq(await collect(id.readable), ['x']);
  const ts = new TransformStream({ transform(c, ctl) { ctl.enqueue(c); ctl.enqueue(c); }, flush(ctl) { ctl.enqueue('end'); } });
  const w2 = ts.writable.getWriter();
  w2.write(1);
  w2.close();
  assertArrayEq(await collect(ts.readable), [1, 1, 'end']);
  const tt = new TransformStream({ start(ctl) { ctl.enqueue('only'); ctl.terminate(); } });
  assertArrayEq(await collect(tt.readable), ['only']);
  await assertRejects(tt.writable.getWriter().write(1), TypeError);
  const te = new TransformStream({ transform() { throw new SyntaxError('t'); } });
  const rp = te.readable.getReader().read(); // the readable side pulls: no backpressure
  await assertRejects(te.writable.getWriter().write(1), SyntaxError);
  await assertRejects(rp, SyntaxError);
  assertThrows(() => new TransformStream({ readableType: 'bytes' }), RangeError);
  assertThrows(() => new TransformStreamDefaultController(), TypeError);
  const bp = new TransformStream();
  const w3 = bp.writable.getWriter();
  assertEq(w3.desiredSize, 1);
  w3.write('a');
  assertEq(w3.desiredSize, 0);
  let cancelReason;
  const tc = new TransformStream({ cancel(r) { cancelReason = r; } });
  await tc.readable.cancel('no');
  assertEq(cancelReason, 'no');
  await assertRejects(tc.writable.getWriter().closed);
});

test('queuing strategies', () => {
  const b = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
  assertEq(b.highWaterMark, 16);
  assertEq(b.size(new Uint8Array(5)), 5);
  const c = new CountQueuingStrategy({ highWaterMark: 2 });
  assertEq(c.size(), 1);
  assertEq(c.highWaterMark, 2);
  assertThrows(() => new CountQueuingStrategy(), TypeError);
  assertThrows(() => new CountQueuingStrategy({}), TypeError);
  assertEq(new CountQueuingStrategy({ highWaterMark: 1 }).size, c.size, 'one size function per realm');
  assertThrows(() => Reflect.get(CountQueuingStrategy.prototype, 'highWaterMark', {}), TypeError);
});

test('TextEncoderStream and TextDecoderStream', async () => {
  const te = new TextEncoderStream();
  assertEq(te.encoding, 'utf-8');
  const w = te.writable.getWriter();
  w.write('a\ud83d');
  w.write('\ude00b');
  w.write('\ud800');
  w.close();
  const parts = await collect(te.readable);
  const bytes = parts.flatMap((p) => Array.from(p));
  assertArrayEq(bytes, [0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62, 0xef, 0xbf, 0xbd]);
  const td = new TextDecoderStream();
  assertEq(td.encoding, 'utf-8');
  assertEq(td.fatal, false);
  const w2 = td.writable.getWriter();
  w2.write(new Uint8Array([0xe2, 0x82]));
  w2.write(new Uint8Array([0xac, 0x41]));
  w2.close();
  assertEq((await collect(td.readable)).join(''), '€A');
  const fatal = new TextDecoderStream('utf-8', { fatal: true });
  const w3 = fatal.writable.getWriter();
  w3.write(new Uint8Array([0xff])).catch(() => {});
  await assertRejects(fatal.readable.getReader().read(), TypeError);
  const bad = new TextDecoderStream();
  bad.writable.getWriter().write('not bytes').catch(() => {});
  await assertRejects(bad.readable.getReader().read(), TypeError);
  assertThrows(() => new TextDecoderStream('nope'), RangeError);
});

test('guest replacing Promise.prototype.then does not break streams', async () => {
  const saved = Promise.prototype.then;
  let calls = 0;
  const rs = ReadableStream.from([1, 2]);
  const r = rs.getReader();
  Promise.prototype.then = function (...a) { calls++; return saved.apply(this, a); };
  try {
    const p = r.read();
    Promise.prototype.then = saved;
    assertEq((await p).value, 1);
  } finally {
    Promise.prototype.then = saved;
  }
});

test('byte streams: tee branches read BYOB straight from the source', async () => {
  let pulls = 0;
  const rs = new ReadableStream({
    type: 'bytes',
    pull(c) {
      pulls++;
      const req = c.byobRequest;
      if (pulls > 3) { c.close(); if (req) req.respond(0); return; }
      if (req) { req.view[0] = pulls; req.respond(1); } else c.enqueue(new Uint8Array([pulls]));
    },
  });
  const [a, b] = rs.tee();
  const ra = a.getReader({ mode: 'byob' });
  const rb = b.getReader({ mode: 'byob' });
  const x = await ra.read(new Uint8Array(8));
  assertArrayEq(x.value, [1]);
  assertEq(x.value.buffer.byteLength, 8, "branch 1's own buffer was filled");
  const y = await rb.read(new Uint8Array(8));
  assertArrayEq(y.value, [1], 'branch 2 gets a copy');
  const rest = [];
  for (;;) { const r = await ra.read(new Uint8Array(8)); if (r.done) break; rest.push(r.value[0]); }
  assertArrayEq(rest, [2, 3]);
  const restB = [];
  for (;;) { const r = await rb.read(new Uint8Array(8)); if (r.done) break; restB.push(...r.value); }
  assertArrayEq(restB, [2, 3], 'queued copies (a BYOB read takes all queued bytes that fit)');
});

test('byte streams: tee errors and cancels', async () => {
  let ctl, reason;
  const rs = new ReadableStream({ type: 'bytes', start(c) { ctl = c; }, cancel(r) { reason = r; } });
  const [a, b] = rs.tee();
  const pa = a.cancel('x'); // settles once both branches are canceled
  const rb = b.getReader();
  ctl.enqueue(new Uint8Array([5]));
  assertArrayEq((await rb.read()).value, [5]);
  await rb.cancel('y');
  await pa;
  assertArrayEq(reason, ['x', 'y']);
  const rs2 = new ReadableStream({ type: 'bytes', start(c) { ctl = c; } });
  const [c, d] = rs2.tee();
  ctl.error(new URIError('e'));
  await assertRejects(c.getReader({ mode: 'byob' }).closed, URIError);
  await assertRejects(d.getReader().closed, URIError);
});

test('hostile sources, strategies and sizes', async () => {
  const boom = new SyntaxError('getter');
  assertThrows(() => new ReadableStream({ get start() { throw boom; } }), SyntaxError);
  assertThrows(() => new ReadableStream({}, { get size() { throw boom; } }), SyntaxError);
  assertThrows(() => new WritableStream({ get write() { throw boom; } }), SyntaxError);
  assertThrows(() => new TransformStream({ get transform() { throw boom; } }), SyntaxError);
  assertThrows(() => new TransformStream({}, { get highWaterMark() { throw boom; } }), SyntaxError);
  const huge = new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 2 ** 40 });
  await assertRejects(huge.getReader().read(), RangeError, 'the allocation fails cleanly');
  let ctl;
  const rs = new ReadableStream({ start(c) { ctl = c; } });
  ctl.error(boom);
  assertThrows(() => ctl.enqueue(1), TypeError, 'enqueue after error');
  assertThrows(() => ctl.close(), TypeError, 'close after error');
  ctl.error(new Error('second error is ignored'));
  assertEq(await rs.getReader().closed.catch((e) => e), boom);
});

test('reentrancy: reads and enqueues from inside size() and pull()', async () => {
  let ctl, inner = 0;
  const rs = new ReadableStream({ start(c) { ctl = c; } }, {
    size() { if (inner++ === 0) ctl.enqueue('inner'); return 1; },
  });
  ctl.enqueue('outer');
  const r = rs.getReader();
  assertEq((await r.read()).value, 'inner');
  assertEq((await r.read()).value, 'outer');
  let reader2, got;
  const rs2 = new ReadableStream({
    pull(c) { c.enqueue(1); if (!got) { got = reader2.read(); } c.enqueue(2); c.close(); },
  }, { highWaterMark: 0 });
  reader2 = rs2.getReader();
  assertEq((await reader2.read()).value, 1);
  assertEq((await got).value, 2);
});

test('a writer used after its stream errored, and a sink that throws in close', async () => {
  const ws = new WritableStream({ close() { throw new RangeError('close'); } });
  const w = ws.getWriter();
  await assertRejects(w.close(), RangeError);
  await assertRejects(w.closed, RangeError);
  await assertRejects(w.write('x'), RangeError, 'an errored stream rejects with its error');
  assertEq(w.desiredSize, null);
});

test("Workers' IdentityTransformStream and FixedLengthStream", async () => {
  const id = new IdentityTransformStream();
  const w = id.writable.getWriter();
  const src = new Uint8Array([1, 2, 3]);
  w.write(src.subarray(1));
  w.write(new Uint8Array(0));
  w.close();
  const out = [];
  for await (const c of id.readable) out.push(...c);
  assertArrayEq(out, [2, 3]);
  const bad = new IdentityTransformStream();
  bad.writable.getWriter().write('str').catch(() => {});
  await assertRejects(bad.readable.getReader().read(), TypeError);
  const ok = new FixedLengthStream(3);
  const r = new Response(ok.readable).arrayBuffer();
  const w2 = ok.writable.getWriter();
  await Promise.all([w2.write(new Uint8Array([1, 2])), w2.write(new Uint8Array([3])), w2.close()]);
  assertEq((await r).byteLength, 3);
  const short = new FixedLengthStream(5);
  const rs = short.readable.getReader();
  const w3 = short.writable.getWriter();
  w3.write(new Uint8Array(2));
  const closing = w3.close();
  await rs.read();
  await assertRejects(closing, TypeError);
  const long = new FixedLengthStream(1);
  const rl = long.readable.getReader().read(); // a pending read lets the transform run
  const pl = long.writable.getWriter().write(new Uint8Array(2));
  await assertRejects(pl, TypeError);
  await assertRejects(rl, TypeError);
  assertThrows(() => new FixedLengthStream(-1), TypeError);
  assertThrows(() => new FixedLengthStream(), TypeError);
});
