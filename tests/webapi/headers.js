// Headers (WHATWG Fetch).
test('case-insensitive get/set/has/delete', () => {
  const h = new Headers();
  h.set('Content-Type', 'text/plain');
  assertEq(h.get('content-type'), 'text/plain');
  assertEq(h.get('CONTENT-TYPE'), 'text/plain');
  assert(h.has('Content-type'));
  h.delete('CONTENT-TYPE');
  assert(!h.has('content-type'));
  assertEq(h.get('x'), null);
});
test('append combines with ", "', () => {
  const h = new Headers();
  h.append('Accept', 'a');
  h.append('accept', 'b');
  assertEq(h.get('Accept'), 'a, b');
  h.set('accept', 'c');
  assertEq(h.get('accept'), 'c');
});
test('iteration is sorted, lowercase and combined; set-cookie separate', () => {
  const h = new Headers([['B', '1'], ['a', '2'], ['Set-Cookie', 'x=1'], ['b', '3'], ['set-cookie', 'y=2']]);
  assertEq(JSON.stringify([...h]), JSON.stringify([['a', '2'], ['b', '1, 3'], ['set-cookie', 'x=1'], ['set-cookie', 'y=2']]));
  assertEq([...h.keys()].join(), 'a,b,set-cookie,set-cookie');
  assertEq([...h.values()].join('|'), '2|1, 3|x=1|y=2');
  assertArrayEq(h.getSetCookie(), ['x=1', 'y=2']);
  assertEq(h.get('set-cookie'), 'x=1, y=2');
  const seen = [];
  h.forEach((v, k, o) => { seen.push(`${k}=${v}`); assert(o === h); });
  assertEq(seen.length, 4);
  assertArrayEq(new Headers().getSetCookie(), []);
});
test('constructors: record, sequence, Headers', () => {
  const a = new Headers({ 'X-A': '1', 'x-b': ' 2 ' });
  assertEq(a.get('x-a'), '1');
  assertEq(a.get('x-b'), '2', 'values are trimmed of HTTP whitespace');
  const b = new Headers(a);
  b.set('x-a', 'changed');
  assertEq(a.get('x-a'), '1', 'a copy');
  const c = new Headers(new Map([['k', 'v']]));
  assertEq(c.get('k'), 'v');
  assertThrows(() => new Headers([['only-one']]), TypeError);
  assertThrows(() => new Headers([['a', 'b', 'c']]), TypeError);
  assertThrows(() => new Headers('x'), TypeError);
  assertThrows(() => new Headers(null), TypeError);
});
test('name and value validation', () => {
  const h = new Headers();
  for (const bad of ['', 'a b', 'a:b', 'é', 'a\n', '(x)']) assertThrows(() => h.set(bad, 'v'), TypeError, JSON.stringify(bad));
  for (const bad of ['a\nb', 'a\rb', 'a\0b']) assertThrows(() => h.set('x', bad), TypeError, JSON.stringify(bad));
  assertThrows(() => h.get('a b'), TypeError);
  assertThrows(() => h.has(''), TypeError);
  h.set('x', '\t v \t');
  assertEq(h.get('x'), 'v');
  h.set('x-ok', 'caf\u00e9');
  assertEq(h.get('x-ok'), 'caf\u00e9');
});
test('immutable guard on Response.error / redirect headers', () => {
  for (const r of [Response.error(), Response.redirect('http://example.com/', 301)]) {
    assertThrows(() => r.headers.set('a', 'b'), TypeError);
    assertThrows(() => r.headers.append('a', 'b'), TypeError);
    assertThrows(() => r.headers.delete('location'), TypeError);
  }
  const copy = new Headers(Response.error().headers);
  copy.set('a', 'b');
  assertEq(copy.get('a'), 'b', 'a copy is mutable');
});
test('Headers shape', () => {
  assertEq(Object.prototype.toString.call(new Headers()), '[object Headers]');
  assertEq(typeof Headers.prototype[Symbol.iterator], 'function');
  assertThrows(() => Headers.prototype.get.call({}, 'a'), TypeError);
});
test('getAll is only for Set-Cookie', () => {
  const h = new Headers([['set-cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
  assertArrayEq(h.getAll('Set-Cookie'), ['a=1', 'b=2']);
  assertThrows(() => h.getAll('accept'), TypeError);
});
