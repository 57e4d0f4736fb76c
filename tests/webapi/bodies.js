// Request/Response bodies: streams, Blob, FormData, URLSearchParams, body/bodyUsed, clone.
const enc = (s) => new TextEncoder().encode(s);
const streamOf = (...chunks) => new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });

test('body getter returns a ReadableStream of the bytes', async () => {
  const r = new Response('hello');
  const b = r.body;
  assert(b instanceof ReadableStream);
  assertEq(r.body, b, 'same stream each time');
  assertEq(r.bodyUsed, false);
  const reader = b.getReader();
  const { value } = await reader.read();
  assertEq(new TextDecoder().decode(value), 'hello');
  assertEq(r.bodyUsed, true);
  await assertRejects(r.text(), TypeError);
  assertEq(new Response(null).body, null);
  assertEq(new Request('http://x/').body, null);
});

test('a locked body is unusable but not used', async () => {
  const r = new Response('x');
  r.body.getReader();
  assertEq(r.bodyUsed, false);
  await assertRejects(r.text(), TypeError);
  assertThrows(() => r.clone(), TypeError);
});

test('consuming first leaves a disturbed, closed stream', async () => {
  const r = new Response('abc');
  assertEq(await r.text(), 'abc');
  const s = r.body;
  assert(s instanceof ReadableStream);
  assertEq((await s.getReader().read()).done, true);
  assertEq(r.bodyUsed, true);
});

test('ReadableStream bodies', async () => {
  const r = new Response(streamOf(enc('ab'), enc('cd')));
  assertEq(r.headers.get('content-type'), null);
  assertEq(await r.text(), 'abcd');
  assertEq(r.bodyUsed, true);
  const req = new Request('http://x/', { method: 'POST', body: streamOf(enc('{"a":1}')) });
  assertEq((await req.json()).a, 1);
  const ab = await new Response(streamOf(new Uint8Array([1, 2]))).arrayBuffer();
  assertArrayEq(new Uint8Array(ab), [1, 2]);
  await assertRejects(new Response(streamOf('not bytes')).text(), TypeError);
  const err = new Error('src');
  await assertRejects(new Response(new ReadableStream({ pull(c) { c.error(err); } })).text(), Error);
  const used = streamOf(enc('x'));
  used.getReader();
  assertThrows(() => new Response(used), TypeError, 'locked stream');
});

test('a stream body over the cap is refused while reading', async () => {
  const big = new Uint8Array(64 * 1024 * 1024);
  let n = 0;
  const rs = new ReadableStream({ pull(c) { if (n++ < 3) c.enqueue(new Uint8Array(big.buffer.slice(0, 1))) ; else c.close(); } });
  assertEq((await new Response(rs).bytes()).length, 3);
  let canceled = false;
  const huge = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(64 * 1024 * 1024)); }, cancel() { canceled = true; } });
  await assertRejects(new Response(huge).arrayBuffer(), RangeError);
  assert(canceled, 'the source is canceled');
});

test('clone tees a stream body', async () => {
  const r = new Response(streamOf(enc('x'), enc('y')));
  const c = r.clone();
  assertEq(await c.text(), 'xy');
  assertEq(await r.text(), 'xy');
  const q = new Request('http://x/', { method: 'POST', body: streamOf(enc('q')) });
  const qc = q.clone();
  assertEq(await q.text(), 'q');
  assertEq(await qc.text(), 'q');
  const b = new Response('bytes');
  const bc = b.clone();
  assertEq(await b.text(), 'bytes');
  assertEq(await bc.text(), 'bytes');
});

test('Request from Request moves a stream body', async () => {
  const a = new Request('http://x/', { method: 'POST', body: streamOf(enc('m')) });
  const b = new Request(a);
  assertEq(a.bodyUsed, true);
  assertThrows(() => new Request(a), TypeError);
  assertEq(await b.text(), 'm');
});

test('Blob bodies and blob()', async () => {
  const r = new Response(new Blob(['hi'], { type: 'text/x-custom' }));
  assertEq(r.headers.get('content-type'), 'text/x-custom');
  const blob = await r.blob();
  assert(blob instanceof Blob);
  assertEq(blob.type, 'text/x-custom');
  assertEq(await blob.text(), 'hi');
  assertEq(new Response(new Blob(['x'])).headers.get('content-type'), null);
  const part = new Blob(['0123456789']).slice(2, 4);
  assertEq(await new Response(part).text(), '23');
  assertEq((await new Response('z').blob()).type, 'text/plain;charset=UTF-8', 'parameter values keep their case');
  const odd = new Response('z', { headers: { 'content-type': 'Text/HTML; Charset=Latin1 ; x' } });
  assertEq((await odd.blob()).type, 'text/html;charset=Latin1');
  assertEq((await new Response('z', { headers: { 'content-type': 'a/\u00e9' } }).blob()).type, '');
});

test('FormData bodies round-trip through multipart/form-data', async () => {
  const fd = new FormData();
  fd.append('a', 'one');
  fd.append('a', 'two\nlines');
  fd.append('quote"name', 'v');
  fd.append('file', new Blob([new Uint8Array([0, 1, 2, 255])], { type: 'application/x-bin' }), 'f.bin');
  const r = new Request('http://x/', { method: 'POST', body: fd });
  const type = r.headers.get('content-type');
  assert(/^multipart\/form-data; boundary=.+/.test(type), type);
  const text = await r.clone().text();
  assert(text.includes('name="quote%22name"'), 'quotes escaped');
  assert(text.includes('two\r\nlines'), 'newlines normalised');
  const back = await r.formData();
  assertArrayEq(back.getAll('a'), ['one', 'two\r\nlines']);
  assertEq(back.get('quote%22name'), 'v');
  const f = back.get('file');
  assert(f instanceof File);
  assertEq(f.name, 'f.bin');
  assertEq(f.type, 'application/x-bin');
  assertArrayEq(await f.bytes(), [0, 1, 2, 255]);
});

test('formData() parses urlencoded bodies and refuses others', async () => {
  const r = new Response('a=1&b=x+y&a=%C3%A9', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const fd = await r.formData();
  assertArrayEq(fd.getAll('a'), ['1', 'é']);
  assertEq(fd.get('b'), 'x y');
  const u = new Request('http://x/', { method: 'POST', body: new URLSearchParams('k=v') });
  assertEq((await u.formData()).get('k'), 'v');
  await assertRejects(new Response('x').formData(), TypeError);
  const bad = new Response('garbage', { headers: { 'content-type': 'multipart/form-data; boundary=zz' } });
  await assertRejects(bad.formData(), TypeError);
  const nob = new Response('--zz--', { headers: { 'content-type': 'multipart/form-data' } });
  await assertRejects(nob.formData(), TypeError);
  const quoted = new Response('--a b\r\nContent-Disposition: form-data; name="n"\r\n\r\nv\r\n--a b--\r\n',
    { headers: { 'content-type': 'multipart/form-data; boundary="a b"' } });
  assertEq((await quoted.formData()).get('n'), 'v');
});

test('Request.signal', () => {
  const ac = new AbortController();
  const r = new Request('http://x/', { signal: ac.signal });
  assert(r.signal !== ac.signal && r.signal instanceof AbortSignal, 'a dependent signal');
  assertEq(r.signal, r.signal);
  const r2 = new Request(r);
  const c = r.clone();
  assertEq(r.signal.aborted, false);
  ac.abort('stop');
  assertEq(r.signal.reason, 'stop');
  assertEq(r2.signal.reason, 'stop', 'follows the input request');
  assertEq(c.signal.reason, 'stop', 'the clone follows too');
  assertEq(new Request('http://x/', { signal: AbortSignal.abort('early') }).signal.reason, 'early');
  const d = new Request('http://x/');
  assert(d.signal instanceof AbortSignal);
  assertEq(d.signal.aborted, false);
  assertThrows(() => new Request('http://x/', { signal: {} }), TypeError);
});

test('hostile bodies', async () => {
  assertEq(await new Response({ get [Symbol.toStringTag]() { throw new Error('tag'); }, toString: () => 's' }).text(), 's');
  assertEq(await new Response({ [Symbol.toStringTag]: 'Blob', toString: () => 'fake' }).text(), 'fake');
  assertEq(await new Response({ [Symbol.toStringTag]: 'ReadableStream', toString: () => 'fake2' }).text(), 'fake2');
  const saved = ReadableStream.prototype.getReader;
  ReadableStream.prototype.getReader = () => { throw new Error('hijacked'); };
  try {
    assertEq(await new Response(streamOf(enc('ok'))).text(), 'ok');
  } finally {
    ReadableStream.prototype.getReader = saved;
  }
});

test('a body stream is a byte stream: BYOB reads work', async () => {
  const r = new Response('hello world');
  const reader = r.body.getReader({ mode: 'byob' });
  const { value } = await reader.read(new Uint8Array(5));
  assertEq(new TextDecoder().decode(value), 'hello');
  const rest = await reader.read(new Uint8Array(64));
  assertEq(new TextDecoder().decode(rest.value), ' world');
  assertEq((await reader.read(new Uint8Array(1))).done, true);
  const big = new Response(new Uint8Array(200000));
  let n = 0;
  for await (const c of big.body) n += c.length;
  assertEq(n, 200000);
});
