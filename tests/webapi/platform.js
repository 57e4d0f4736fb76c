// navigator, performance, self, and globals' property shapes.
test('navigator', () => {
  assertEq(navigator.userAgent, 'dynworker/0.1');
  assertEq(navigator.hardwareConcurrency, 1);
  assertEq(Object.prototype.toString.call(navigator), '[object Navigator]');
});
test('performance', async () => {
  const a = performance.now();
  assertEq(typeof a, 'number');
  assert(a >= 0 && a < 60000, String(a));
  let x = 0;
  for (let i = 0; i < 1e5; i++) x += i;
  const b = performance.now();
  assert(b >= a, 'monotonic');
  assertEq(Math.round(b * 1000) / 1000, b, 'microsecond precision');
  assertEq(typeof performance.timeOrigin, 'number');
  assert(Math.abs(performance.timeOrigin + a - Date.now()) < 5000, 'timeOrigin is the epoch of the realm');
  assertEq(performance.toJSON().timeOrigin, performance.timeOrigin);
});
test('self is globalThis', () => {
  assert(self === globalThis);
  assert(!Object.keys(globalThis).includes('self'));
});
test('touched globals become plain data properties', () => {
  for (const k of ['console', 'setTimeout', 'structuredClone', 'TextEncoder', 'atob', 'crypto', 'Headers', 'navigator', 'performance', 'DOMException']) {
    void globalThis[k];
    const d = Object.getOwnPropertyDescriptor(globalThis, k);
    assert('value' in d && d.writable && d.configurable && !d.enumerable, k);
  }
  assertEq(Object.keys(globalThis).filter((k) => k !== 'test' && !k.startsWith('assert') && !k.startsWith('capture') && k !== 'captured' && k !== '__run').length, 0);
});
test('assigning a lazy global before use', () => {
  globalThis.btoa = 'mine';
  assertEq(btoa, 'mine');
  const d = Object.getOwnPropertyDescriptor(globalThis, 'btoa');
  assert('value' in d && !d.enumerable);
});
test('a getter called on another receiver still returns the API', () => {
  const d = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (d.get) assertEq(typeof d.get.call({}), 'function');
});
