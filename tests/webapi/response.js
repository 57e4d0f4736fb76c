// Response (WHATWG Fetch, no streams yet).
test('defaults', async () => {
  const r = new Response();
  assertEq(r.status, 200);
  assertEq(r.statusText, '');
  assertEq(r.ok, true);
  assertEq(r.type, 'default');
  assertEq(r.url, '');
  assertEq(r.redirected, false);
  assertEq(r.bodyUsed, false);
  assertEq(await r.text(), '');
});
test('status range and statusText', () => {
  for (const s of [199, 600, 0, 100, 1000, -1]) assertThrows(() => new Response(null, { status: s }), RangeError, String(s));
  for (const s of [200, 204, 299, 404, 599]) assertEq(new Response(null, { status: s }).status, s);
  assertEq(new Response(null, { status: 404 }).ok, false);
  assertEq(new Response(null, { status: 299 }).ok, true);
  assertEq(new Response(null, { statusText: 'Fine' }).statusText, 'Fine');
  assertThrows(() => new Response(null, { statusText: 'a\nb' }), TypeError);
  assertThrows(() => new Response(null, { statusText: '\u0100' }), TypeError);
});
test('null body statuses refuse a body', () => {
  for (const s of [204, 205, 304]) assertThrows(() => new Response('x', { status: s }), TypeError, String(s));
  new Response(null, { status: 204 });
  new Response('', { status: 200 });
});
test('body types and consumption', async () => {
  const r = new Response('h\u00e9llo', { headers: { 'X-A': 'b' } });
  assertEq(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assertEq(r.headers.get('x-a'), 'b');
  assertEq(await r.text(), 'h\u00e9llo');
  assertEq(r.bodyUsed, true);
  await assertRejects(r.json(), TypeError);
  assertArrayEq(await new Response(new Uint16Array([0x0201])).bytes(), [1, 2]);
  assertEq((await new Response('[1,2]').json())[1], 2);
  const ab = await new Response('ab').arrayBuffer();
  assertEq(ab.byteLength, 2);
});
test('Response.json', async () => {
  const r = Response.json({ a: 1 }, { status: 201, headers: { 'x-y': 'z' } });
  assertEq(r.status, 201);
  assertEq(r.headers.get('content-type'), 'application/json');
  assertEq(r.headers.get('x-y'), 'z');
  assertEq((await r.json()).a, 1);
  const custom = Response.json(1, { headers: { 'Content-Type': 'application/vnd+json' } });
  assertEq(custom.headers.get('content-type'), 'application/vnd+json');
  assertThrows(() => Response.json(undefined), TypeError);
  assertThrows(() => Response.json(() => 1), TypeError);
  assertThrows(() => Response.json(1n), TypeError);
  assertThrows(() => Response.json({}, { status: 204 }), TypeError);
});
test('Response.redirect', () => {
  const r = Response.redirect('https://example.com/x');
  assertEq(r.status, 302);
  assert(r.headers.get('location').startsWith('https://example.com/x'));
  for (const s of [301, 302, 303, 307, 308]) assertEq(Response.redirect('http://a/', s).status, s);
  assertThrows(() => Response.redirect('http://a/', 200), RangeError);
  assertThrows(() => Response.redirect('not a url'), TypeError);
});
test('Response.error', () => {
  const r = Response.error();
  assertEq(r.type, 'error');
  assertEq(r.status, 0);
  assertEq(r.ok, false);
  assertThrows(() => r.headers.set('a', 'b'), TypeError);
});
test('clone', async () => {
  const r = new Response('body', { status: 201, statusText: 'Created', headers: { a: '1' } });
  const c = r.clone();
  assertEq(c.status, 201);
  assertEq(c.statusText, 'Created');
  assertEq(c.headers.get('a'), '1');
  assertEq(await c.text(), 'body');
  assertEq(await r.text(), 'body');
  assertThrows(() => r.clone(), TypeError);
  const e = Response.error().clone();
  assertThrows(() => e.headers.set('a', 'b'), TypeError, 'guard kept');
});
test('body size cap', () => {
  assertThrows(() => new Response(new ArrayBuffer(128 * 1024 * 1024 + 1)), RangeError);
});
test('brand checks and shape', () => {
  assertThrows(() => Object.getOwnPropertyDescriptor(Response.prototype, 'status').get.call({}), TypeError);
  assertThrows(() => Response.prototype.text.call(new Request('http://x/')), TypeError);
  assertEq(Object.prototype.toString.call(new Response()), '[object Response]');
  assertThrows(() => new Response('', 5), TypeError);
});
