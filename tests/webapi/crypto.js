// crypto.getRandomValues and crypto.randomUUID.
test('getRandomValues fills integer arrays and returns them', () => {
  for (const T of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array]) {
    const a = new T(64);
    assert(crypto.getRandomValues(a) === a, T.name);
    assert(a.some((x) => x != 0), `${T.name} filled`);
  }
  const big = new Uint8Array(65536);
  crypto.getRandomValues(big);
  const sub = new Uint8Array(16);
  crypto.getRandomValues(sub.subarray(4, 8));
  assertArrayEq(sub.subarray(0, 4), [0, 0, 0, 0], 'only the view is filled');
  assertArrayEq(sub.subarray(8), [0, 0, 0, 0, 0, 0, 0, 0]);
  crypto.getRandomValues(new Uint8Array(0));
});
test('getRandomValues errors', () => {
  for (const v of [new Float32Array(1), new Float64Array(1), new DataView(new ArrayBuffer(1)), new ArrayBuffer(4), [1], null]) {
    const e = assertThrows(() => crypto.getRandomValues(v), DOMException);
    assertEq(e.name, 'TypeMismatchError');
  }
  const q = assertThrows(() => crypto.getRandomValues(new Uint8Array(65537)), DOMException);
  assertEq(q.name, 'QuotaExceededError');
  assertThrows(() => crypto.getRandomValues(new Uint32Array(16385)), 'QuotaExceededError');
  assertThrows(() => crypto.getRandomValues(), TypeError);
});
test('randomUUID is v4', () => {
  const seen = new Set();
  for (let i = 0; i < 100; i++) {
    const u = crypto.randomUUID();
    assert(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u), u);
    seen.add(u);
  }
  assertEq(seen.size, 100);
});
test('crypto object shape', () => {
  assert(crypto.subtle instanceof SubtleCrypto);
  assertEq(crypto.subtle, crypto.subtle);
  assertEq(Object.prototype.toString.call(crypto), '[object Crypto]');
  assert(crypto instanceof Crypto);
  assertThrows(() => new Crypto(), TypeError);
});
