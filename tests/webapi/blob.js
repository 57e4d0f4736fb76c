// Blob and File.
test('Blob from parts: strings, buffers, views, blobs', async () => {
  const ab = new Uint8Array([65, 66]).buffer;
  const view = new DataView(new Uint8Array([0, 67, 68, 0]).buffer, 1, 2);
  const inner = new Blob(['EF']);
  const b = new Blob(['é', ab, new Uint16Array([0x4847]), view, inner], { type: 'Text/Plain' });
  assertEq(b.size, 2 + 2 + 2 + 2 + 2);
  assertEq(b.type, 'text/plain');
  assertEq(await b.text(), 'éABGHCDEF');
  assertEq(new Blob().size, 0);
  assertEq(new Blob([], { type: 'a\u00e9' }).type, '', 'non-ASCII type is dropped');
  assertEq(await new Blob(['\ud800']).text(), '\ufffd', 'lone surrogates become U+FFFD');
  assertEq(Object.prototype.toString.call(b), '[object Blob]');
});

test('Blob copies its parts', async () => {
  const u = new Uint8Array([1, 2, 3]);
  const b = new Blob([u]);
  u[0] = 9;
  assertArrayEq(await b.bytes(), [1, 2, 3]);
  const ab = await b.arrayBuffer();
  assert(ab instanceof ArrayBuffer);
  new Uint8Array(ab)[0] = 7;
  assertArrayEq(await b.bytes(), [1, 2, 3]);
});

test('Blob endings and bad arguments', async () => {
  assertEq(await new Blob(['a\r\nb\rc'], { endings: 'native' }).text(), 'a\nb\nc');
  assertEq(await new Blob(['a\r\nb']).text(), 'a\r\nb');
  assertThrows(() => new Blob('abc'), TypeError);
  assertThrows(() => new Blob([1], { endings: 'weird' }), TypeError);
  assertThrows(() => new Blob(5), TypeError);
  assertThrows(() => new Blob([{ toString() { throw new SyntaxError('x'); } }]), SyntaxError);
  assertThrows(() => Blob.prototype.size, TypeError);
  await assertRejects(Blob.prototype.text.call({}), TypeError);
});

test('Blob.slice', async () => {
  const b = new Blob(['0123456789'], { type: 'x/y' });
  assertEq(await b.slice(2, 5).text(), '234');
  assertEq(await b.slice(-3).text(), '789');
  assertEq(await b.slice(-100, 2).text(), '01');
  assertEq(await b.slice(5, 2).text(), '');
  assertEq(b.slice(0, 1).type, '');
  assertEq(b.slice(0, 1, 'A/B').type, 'a/b');
  assertEq(await b.slice(1, 8).slice(2, 4).text(), '34');
  assertEq(b.slice(NaN, Infinity).size, 10);
});

test('huge Blob parts are refused (RangeError), not allocated', () => {
  const big = new Uint8Array(64 * 1024 * 1024);
  assertThrows(() => new Blob([big, big, big]), RangeError);
  const fake = { [Symbol.iterator]: function* () { for (;;) yield big; } };
  assertThrows(() => new Blob(fake), RangeError);
});

test('File', async () => {
  const f = new File(['abc'], 'a.txt', { type: 'text/plain', lastModified: 42 });
  assertEq(f.name, 'a.txt');
  assertEq(f.lastModified, 42);
  assertEq(f.size, 3);
  assertEq(f.type, 'text/plain');
  assert(f instanceof Blob);
  assertEq(await f.text(), 'abc');
  assertEq(Object.prototype.toString.call(f), '[object File]');
  const now = Date.now();
  const g = new File([], 'x');
  assert(Math.abs(g.lastModified - now) < 1000);
  assertThrows(() => new File(['x']), TypeError);
  assertThrows(() => Reflect.get(File.prototype, 'name', new Blob()), TypeError);
  assertEq(new File([f], 'b').size, 3);
});

test('structuredClone of Blob and File', async () => {
  const b = new Blob(['abc'], { type: 'x/y' });
  const c = structuredClone(b);
  assert(c !== b && c instanceof Blob && !(c instanceof File));
  assertEq(c.type, 'x/y');
  assertEq(await c.text(), 'abc');
  const f = new File(['z'], 'n.txt', { type: 't/u', lastModified: 9 });
  const [g, g2] = structuredClone([f, f]);
  assert(g instanceof File);
  assertEq(g, g2, 'identity kept');
  assertEq(g.name, 'n.txt');
  assertEq(g.lastModified, 9);
  assertEq(g.type, 't/u');
  assertEq(await g.text(), 'z');
  const fake = { [Symbol.toStringTag]: 'Blob', a: 1 };
  assertEq(structuredClone(fake).a, 1, 'a fake tag is a plain object');
  assertThrows(() => structuredClone(new FormData()), 'DataCloneError');
});
