// structuredClone (HTML structured clone algorithm) and DOMException.
test('primitives', () => {
  for (const v of [1, -0, NaN, 'x', true, null, undefined, 10n]) assert(Object.is(structuredClone(v), v), String(v));
});
test('wrappers, Date, RegExp', () => {
  const n = structuredClone(new Number(3));
  assertEq(typeof n, 'object');
  assertEq(n.valueOf(), 3);
  assertEq(structuredClone(Object(5n)).valueOf(), 5n);
  assertEq(structuredClone(new String('ab')).valueOf(), 'ab');
  const d = new Date(12345);
  const dc = structuredClone(d);
  assert(dc instanceof Date && dc !== d && dc.getTime() === 12345);
  const re = /a+b/gi;
  re.lastIndex = 3;
  const rc = structuredClone(re);
  assert(rc instanceof RegExp && rc !== re);
  assertEq(rc.source, 'a+b');
  assertEq(rc.flags, 'gi');
  assertEq(rc.lastIndex, 0);
});
test('Map and Set deep', () => {
  const k = { k: 1 };
  const m = structuredClone(new Map([[k, [1, 2]], ['s', new Set([k])]]));
  const [[k2, v2], [, s2]] = [...m];
  assertEq(k2.k, 1);
  assertArrayEq(v2, [1, 2]);
  assert(s2.has(k2), 'shared key preserved');
});
test('ArrayBuffer, views and shared buffers', () => {
  const buf = new ArrayBuffer(8);
  const u8 = new Uint8Array(buf, 2, 4);
  u8[0] = 7;
  const dv = new DataView(buf, 1, 3);
  const { a, b, c } = structuredClone({ a: u8, b: dv, c: buf });
  assert(a.buffer === c && b.buffer === c, 'one buffer shared by the views');
  assertEq(a.byteOffset, 2);
  assertEq(a.length, 4);
  assertEq(a[0], 7);
  assertEq(b.byteOffset, 1);
  assertEq(b.byteLength, 3);
  assert(c !== buf);
  const f = structuredClone(new Float64Array([1.5, 2]));
  assertEq(f[0], 1.5);
  assertEq(structuredClone(new BigInt64Array([5n]))[0], 5n);
});
test('objects, arrays, sparse arrays, classes lose their prototype', () => {
  const arr = [1, , 3];
  arr.extra = 'x';
  const c = structuredClone(arr);
  assert(Array.isArray(c));
  assertEq(c.length, 3);
  assert(!(1 in c), 'hole kept');
  assertEq(c.extra, 'x');
  class A { constructor() { this.x = 1; } get y() { return 2; } }
  const a = structuredClone(new A());
  assertEq(Object.getPrototypeOf(a), Object.prototype);
  assertEq(a.x, 1);
  assertEq(a.y, undefined);
  const o = { [Symbol('s')]: 1, visible: 1 };
  Object.defineProperty(o, 'hidden', { value: 1, enumerable: false });
  const oc = structuredClone(o);
  assertEq(Object.getOwnPropertySymbols(oc).length, 0);
  assertEq(Object.keys(oc).join(), 'visible');
});
test('cycles and shared references', () => {
  const o = { name: 'o' };
  o.self = o;
  o.list = [o, o];
  const shared = { s: 1 };
  o.a = shared;
  o.b = shared;
  const c = structuredClone(o);
  assert(c !== o);
  assert(c.self === c && c.list[0] === c && c.list[1] === c);
  assert(c.a === c.b && c.a !== shared);
});
test('errors', () => {
  const e = new RangeError('bad', { cause: { why: 1 } });
  const c = structuredClone(e);
  assert(c instanceof RangeError && c !== e);
  assertEq(c.name, 'RangeError');
  assertEq(c.message, 'bad');
  assertEq(c.cause.why, 1);
  assertEq(c.stack, e.stack);
  class MyError extends Error { constructor() { super('mine'); this.name = 'MyError'; } }
  const m = structuredClone(new MyError());
  assertEq(Object.getPrototypeOf(m), Error.prototype);
  assertEq(m.message, 'mine');
});
test('DataCloneError for uncloneable values', () => {
  for (const v of [() => {}, Symbol('s'), new WeakMap(), new WeakSet(), Promise.resolve(), { f() {} },
                   [Symbol()], new Map([[1, () => {}]]), new Headers()]) {
    const e = assertThrows(() => structuredClone(v), DOMException, String(typeof v));
    assertEq(e.name, 'DataCloneError');
    assertEq(e.code, 25);
  }
  assertThrows(() => structuredClone(), TypeError);
});
test('transfer detaches ArrayBuffers', () => {
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const c = structuredClone({ buf }, { transfer: [buf] });
  assertEq(buf.byteLength, 0);
  assertEq(c.buf.byteLength, 3);
  assertEq(new Uint8Array(c.buf)[2], 3);
  assertThrows(() => structuredClone(buf), 'DataCloneError', 'detached buffer');
  const b2 = new ArrayBuffer(1);
  assertThrows(() => structuredClone(null, { transfer: [b2, b2] }), 'DataCloneError', 'duplicate');
  assertThrows(() => structuredClone(null, { transfer: [{}] }), 'DataCloneError', 'not a buffer');
  assertThrows(() => structuredClone(null, { transfer: 5 }), TypeError);
});
test('DOMException', () => {
  const e = new DOMException('msg', 'InvalidCharacterError');
  assert(e instanceof Error);
  assertEq(e.name, 'InvalidCharacterError');
  assertEq(e.message, 'msg');
  assertEq(e.code, 5);
  assertEq(new DOMException().name, 'Error');
  assertEq(new DOMException('x', 'Custom').code, 0);
  assertEq(DOMException.DATA_CLONE_ERR, 25);
  assertEq(new DOMException('x', { name: 'AbortError', cause: 1 }).cause, 1);
  assertEq(Object.prototype.toString.call(e), '[object DOMException]');
  assert(typeof e.stack === 'string');
});
test('resizable ArrayBuffer keeps its maximum', () => {
  const b = new ArrayBuffer(2, { maxByteLength: 16 });
  const c = structuredClone(b);
  assertEq(c.resizable, true);
  assertEq(c.maxByteLength, 16);
  assertEq(c.byteLength, 2);
});
test('hostile getters propagate, nothing else breaks', () => {
  const e = assertThrows(() => structuredClone({ get x() { throw new RangeError('g'); } }), RangeError);
  assertEq(e.message, 'g');
  let deep = {};
  for (let i = 0; i < 20000; i++) deep = { d: deep };
  assertThrows(() => structuredClone(deep), RangeError);
});
