// Request (WHATWG Fetch, no streams yet).
test('url, method normalisation and defaults', () => {
  const r = new Request('https://example.com/a?b=1');
  assertEq(r.url, typeof URL === 'function' ? new URL('https://example.com/a?b=1').href : 'https://example.com/a?b=1');
  assertEq(r.method, 'GET');
  assertEq(r.redirect, 'follow');
  assertEq(r.bodyUsed, false);
  assertEq(new Request('http://x/', { method: 'post' }).method, 'POST');
  assertEq(new Request('http://x/', { method: 'Delete' }).method, 'DELETE');
  assertEq(new Request('http://x/', { method: 'patch' }).method, 'patch', 'PATCH is not normalised');
  assertEq(new Request('http://x/', { method: 'PROPFIND' }).method, 'PROPFIND');
});
test('forbidden and invalid methods, invalid URLs', () => {
  for (const m of ['CONNECT', 'trace', 'TRACK']) assertThrows(() => new Request('http://x/', { method: m }), TypeError, m);
  assertThrows(() => new Request('http://x/', { method: 'GE T' }), TypeError);
  assertThrows(() => new Request('http://x/', { method: '' }), TypeError);
  assertThrows(() => new Request('/relative'), TypeError);
  assertThrows(() => new Request(), TypeError);
  assertThrows(() => new Request('http://x/', { redirect: 'nope' }), TypeError);
});
test('GET/HEAD with a body throw', () => {
  assertThrows(() => new Request('http://x/', { body: 'x' }), TypeError);
  assertThrows(() => new Request('http://x/', { method: 'HEAD', body: 'x' }), TypeError);
  new Request('http://x/', { body: null });
});
test('string body: text, content-type, bodyUsed', async () => {
  const r = new Request('http://x/', { method: 'POST', body: 'h\u00e9' });
  assertEq(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assertEq(await r.text(), 'h\u00e9');
  assertEq(r.bodyUsed, true);
  await assertRejects(r.text(), TypeError);
  await assertRejects(r.arrayBuffer(), TypeError);
  const explicit = new Request('http://x/', { method: 'POST', body: 'x', headers: { 'content-type': 'a/b' } });
  assertEq(explicit.headers.get('content-type'), 'a/b');
});
test('binary bodies are copied', async () => {
  const u8 = new Uint8Array([1, 2, 3, 4]);
  const r = new Request('http://x/', { method: 'PUT', body: u8.subarray(1, 3) });
  u8[1] = 9;
  assertArrayEq(await r.bytes(), [2, 3]);
  assertEq(r.headers.get('content-type'), null);
  const ab = new Request('http://x/', { method: 'POST', body: new Uint8Array([5]).buffer });
  const out = await ab.arrayBuffer();
  assert(out instanceof ArrayBuffer);
  assertArrayEq(new Uint8Array(out), [5]);
  const dv = new Request('http://x/', { method: 'POST', body: new DataView(new Uint8Array([7, 8]).buffer, 1) });
  assertArrayEq(await dv.bytes(), [8]);
});
test('json() and other bodies', async () => {
  const r = new Request('http://x/', { method: 'POST', body: '{"a":[1]}' });
  assertEq((await r.json()).a[0], 1);
  await assertRejects(new Request('http://x/', { method: 'POST', body: '{' }).json(), SyntaxError);
  assertEq(await new Request('http://x/', { method: 'POST', body: { toString: () => 'obj' } }).text(), 'obj');
  const empty = new Request('http://x/');
  assertEq(await empty.text(), '');
  assertEq(empty.bodyUsed, false, 'a null body is never used');
  if (typeof URLSearchParams === 'function') {
    const u = new Request('http://x/', { method: 'POST', body: new URLSearchParams('a=1&b=2') });
    assertEq(u.headers.get('content-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
  }
});
test('headers init and guard', () => {
  const r = new Request('http://x/', { headers: [['X-A', '1']] });
  assertEq(r.headers.get('x-a'), '1');
  r.headers.set('x-b', '2');
  assertEq(r.headers.get('x-b'), '2');
  assert(r.headers instanceof Headers);
});
test('clone and Request from Request', async () => {
  const r = new Request('http://x/', { method: 'POST', body: 'abc', headers: { a: '1' } });
  const c = r.clone();
  assertEq(await c.text(), 'abc');
  assertEq(await r.text(), 'abc');
  assertThrows(() => r.clone(), TypeError);
  const r2 = new Request('http://x/y', { method: 'PUT', body: 'zz', headers: { b: '2' } });
  const r3 = new Request(r2, { headers: { c: '3' } });
  assertEq(r3.method, 'PUT');
  assertEq(r3.url, r2.url);
  assertEq(r3.headers.get('c'), '3');
  assertEq(r3.headers.get('b'), null);
  assertEq(await r3.text(), 'zz');
  assertEq(r2.bodyUsed, true, 'the body moved');
  assertThrows(() => new Request(r2), TypeError, 'used body');
  const r4 = new Request(new Request('http://x/', { headers: { k: 'v' } }));
  assertEq(r4.headers.get('k'), 'v');
});
test('bodies over 128 MiB are rejected', () => {
  assertThrows(() => new Request('http://x/', { method: 'POST', body: new Uint8Array(128 * 1024 * 1024 + 1) }), RangeError);
});
test('brand checks', () => {
  assertThrows(() => Request.prototype.text.call({}), TypeError);
  assertThrows(() => Object.getOwnPropertyDescriptor(Request.prototype, 'url').get.call({}), TypeError);
  assertEq(Object.prototype.toString.call(new Request('http://x/')), '[object Request]');
});
