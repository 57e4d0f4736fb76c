// URL and URLSearchParams: the API surface (the parser itself is covered by url-wpt.js).
test('URL basics, errors and statics', () => {
  const u = new URL('HTTPS://User:Pa ss@EXAMPLE.com:443/a/./b/../c?q=1 2#f g');
  assertEq(u.href, 'https://User:Pa%20ss@example.com/a/c?q=1%202#f%20g');
  assertEq(u.origin, 'https://example.com');
  assertEq(u.port, '');
  assertEq(String(u), u.href);
  assertEq(u.toJSON(), u.href);
  assertEq(JSON.stringify({ u }), `{"u":"${u.href}"}`);
  assertEq(Object.prototype.toString.call(u), '[object URL]');
  const e = assertThrows(() => new URL('nope'), TypeError);
  assert(e.message.includes('Invalid URL'), e.message);
  assertThrows(() => new URL('/x', 'also nope'), TypeError);
  assertThrows(() => new URL(), TypeError);
  assertEq(new URL('../x?y#z', 'http://h/a/b/c').href, 'http://h/a/x?y#z');
  assertEq(new URL('//h2/p', new URL('https://h/')).href, 'https://h2/p');
  assertEq(URL.canParse('http://x'), true);
  assertEq(URL.canParse('x'), false);
  assertEq(URL.canParse('x', 'http://h/'), true);
  assertEq(URL.parse('x'), null);
  assertEq(URL.parse('x', 'http://h/d/').href, 'http://h/d/x');
  assert(URL.parse('http://h') instanceof URL);
  assertThrows(() => Reflect.apply(Object.getOwnPropertyDescriptor(URL.prototype, 'href').get, {}, []), TypeError);
});

test('hosts: IDNA, IPv4, IPv6', () => {
  assertEq(new URL('http://BÜCHER.example/').hostname, 'xn--bcher-kva.example');
  assertEq(new URL('http://xn--bcher-kva.example/').hostname, 'xn--bcher-kva.example');
  assertEq(new URL('http://你好你好/').host, 'xn--6qqa088eba');
  assertEq(new URL('http://0x7f.1/').host, '127.0.0.1');
  assertEq(new URL('http://0300.0250.1/').host, '192.168.0.1');
  assertEq(new URL('http://[0:0:0:0:0:ffff:1.2.3.4]:8080/').host, '[::ffff:102:304]:8080');
  assertEq(new URL('http://[1:0:0:2:0:0:0:3]/').hostname, '[1:0:0:2::3]');
  assertThrows(() => new URL('http://1.2.3.256/'), TypeError);
  assertThrows(() => new URL('http://a b/'), TypeError);
  assertThrows(() => new URL('http://xn--a/'), TypeError);
  assertEq(new URL('file:///C|/x/../y').href, 'file:///C:/y');
  assertEq(new URL('file://localhost/etc').href, 'file:///etc');
  assertEq(new URL('mailto:a@b').pathname, 'a@b');
});

test('setters', () => {
  const u = new URL('http://h/p?q#f');
  u.protocol = 'https';
  u.username = 'a b';
  u.password = 'c@d';
  u.hostname = 'Example.ORG';
  u.port = '8443';
  u.pathname = '/x y/%2e/z';
  u.search = 'a=1';
  u.hash = 'top';
  assertEq(u.href, 'https://a%20b:c%40d@example.org:8443/x%20y/z?a=1#top');
  u.port = '443';
  assertEq(u.host, 'example.org');
  u.protocol = 'mailto'; // special to non-special: ignored
  assertEq(u.protocol, 'https:');
  u.host = 'other:81';
  assertEq(u.host, 'other:81');
  u.search = '';
  u.hash = '';
  assertEq(u.href, 'https://a%20b:c%40d@other:81/x%20y/z');
  assertThrows(() => { u.href = 'not a url'; }, TypeError);
  u.href = 'http://new/?k=v';
  assertEq(u.searchParams.get('k'), 'v');
});

test('URLSearchParams construction', () => {
  assertEq(new URLSearchParams('?a=1&b=2&a=3').getAll('a').join(), '1,3');
  assertEq(new URLSearchParams([['x', '1'], ['y', '2']]).toString(), 'x=1&y=2');
  assertEq(new URLSearchParams({ k: 'v', n: 1 }).toString(), 'k=v&n=1');
  assertEq(new URLSearchParams(new URLSearchParams('z=9')).get('z'), '9');
  assertThrows(() => new URLSearchParams([['only-one']]), TypeError);
  assertThrows(() => new URLSearchParams([1]), TypeError);
  const p = new URLSearchParams('a=b+c&d=%F0%9F%92%A9&e&=f&&g=%zz');
  assertArrayEq([...p].map((e) => e.join('=')), ['a=b c', 'd=\u{1F4A9}', 'e=', '=f', 'g=%zz']);
  assertEq(new URLSearchParams('x=%FF').get('x'), '\ufffd');
  assertEq(new URLSearchParams({ '\ud800': '\udfff' }).toString(), '%EF%BF%BD=%EF%BF%BD');
});

test('URLSearchParams methods', () => {
  const p = new URLSearchParams('a=1&b=2&a=3&c=4');
  assertEq(p.size, 4);
  assertEq(p.get('a'), '1');
  assertEq(p.get('zz'), null);
  assertEq(p.has('a'), true);
  assertEq(p.has('a', '3'), true);
  assertEq(p.has('a', '9'), false);
  p.delete('a', '1');
  assertEq(p.toString(), 'b=2&a=3&c=4');
  p.append('b', '5');
  p.set('b', 'x y&z');
  assertEq(p.toString(), 'b=x+y%26z&a=3&c=4');
  p.delete('a');
  assertEq(p.size, 2);
  const q = new URLSearchParams('z=1&\uFFFD=2&a=3&\u{1F4A9}=4&a=5&\u00e9=6');
  q.sort();
  assertArrayEq([...q.keys()], ['a', 'a', 'z', '\u00e9', '\u{1F4A9}', '\uFFFD']);
  assertArrayEq([...q.values()].slice(0, 2), ['3', '5'], 'stable');
  const seen = [];
  q.forEach(function (v, k, o) { seen.push(`${k}${v}`); assertEq(o, q); assertEq(this, seen); }, seen);
  assertEq(seen.length, 6);
  assertEq(new URLSearchParams({ s: ' !\'()*~-._' }).toString(), 's=+%21%27%28%29*%7E-._');
  const it = new URLSearchParams('a=1').entries();
  assertEq(Object.prototype.toString.call(it), '[object URLSearchParams Iterator]');
  assertEq(it.next().value.join(), 'a,1');
  assertEq(it.next().done, true);
  assertThrows(() => p.append('only'), TypeError);
});

test('searchParams is live in both directions', () => {
  const u = new URL('https://h/p?a=1#frag');
  const sp = u.searchParams;
  assertEq(u.searchParams, sp, 'same object');
  sp.append('b', 'x y');
  assertEq(u.href, 'https://h/p?a=1&b=x+y#frag');
  u.search = '?c=3';
  assertEq(sp.get('c'), '3');
  assertEq(sp.has('a'), false);
  sp.delete('c');
  assertEq(u.href, 'https://h/p#frag');
  const o = new URL('data:text/plain,hi  ?x=1');
  o.searchParams.delete('x');
  o.hash = '';
  assertEq(o.href, 'data:text/plain,hi', 'opaque path trailing spaces stripped');
  // A live iterator sees appends made during iteration.
  const l = new URLSearchParams('a=1');
  const keys = [];
  for (const [k] of l) { keys.push(k); if (keys.length < 3) l.append(`k${keys.length}`, ''); }
  assertArrayEq(keys, ['a', 'k1', 'k2']);
});

test('Request uses URL', () => {
  assertEq(new Request('HTTP://EXAMPLE.com:80/a/../b').url, 'http://example.com/b');
  assertThrows(() => new Request('http://[bad/'), TypeError);
});

// new URL(s) without a base takes a fast path for canonical http(s)/ws(s) URLs; with a base
// (which an absolute input ignores) it always runs the full parser. Both must agree.
test('the fast path for canonical URLs agrees with the full parser', () => {
  const fixed = ['http://localhost/', 'http://localhost/x', 'https://example.com/a/b?c=d&e',
    'http://a:80/', 'http://a:080/', 'https://a:443/x', 'https://a:8443/x', 'ws://a:80/',
    'wss://a:443/', 'http://a:65535/', 'http://a:65536/', 'http://a:0/', 'http://a:00000/',
    'http://1.2.3.4/', 'http://a.1/', 'http://a.0x1/', 'http://1a/', 'http://a1/', 'http://xn--a/',
    'http://a.xn--bcher-kva.example/', 'http://a/./b', 'http://a/b/../c', 'http://a/b/..',
    'http://a/%2e/', 'http://a/b//c', 'http://a/?', 'http://a/?\'', "http://a/it's", 'http://a/~x-y_z.',
    'http://a-b.c-d/@:;=', 'http://a/b?c?d/e%zz', 'http://A/', 'HTTP://a/', 'http://a/#f',
    'http://a', 'http://a.b./', 'http://a..b/', 'http://u@a/', 'http://a/b c', 'ftp://a/',
    'http://-a-.b/', 'http://a/.', 'http://a/..', 'http://a/.../x', 'wss://x/y?z=1'];
  // Random URLs close to canonical ones: hosts, ports, paths and queries from small alphabets.
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pick = (a, n) => { let s = ''; for (let j = 0; j < n; j++) s += a[rand(a.length)]; return s; };
  const label = ['a', 'b', 'B', '0', '1', 'x', 'n', '-', 'xn--', '0x', '%41'];
  const seg = ['a', 'Z', '9', '.', '..', '%2e', "'", '@', ':', '~', ' ', '\\', '"', '^', '|', '-'];
  const query = ['a', '=', '&', '?', '/', "'", '%', ' ', '#', '<', '`'];
  const inputs = fixed.slice();
  for (let i = 0; i < 3000; i++) {
    let s = ['http://', 'https://', 'ws://', 'wss://', 'HTTP://'][rand(5)];
    s += pick(label, 1 + rand(3));
    if (rand(3) === 0) s += `.${pick(label, 1 + rand(3))}`;
    if (rand(4) === 0) s += `:${pick(['0', '8', '4', '3', '1', '6', '5'], 1 + rand(5))}`;
    for (let n = rand(4); n >= 0; n--) s += `/${pick(seg, rand(3))}`;
    if (rand(3) === 0) s += `?${pick(query, rand(4))}`;
    inputs.push(s);
  }
  const parts = (u) => u === null ? null
    : [u.href, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin].join('|');
  let fast = 0;
  for (const s of inputs) {
    const a = parts(URL.parse(s)), b = parts(URL.parse(s, 'about:blank'));
    assertEq(a, b, s);
    if (a !== null && a.startsWith(`${s}|`)) fast++;
  }
  assert(fast > 100, `only ${fast} canonical inputs`);
});
