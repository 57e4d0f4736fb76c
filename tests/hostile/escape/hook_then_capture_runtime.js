// why: a guest that replaces Promise.prototype.then must not change how the runtime reports its own result
// expect: {"ok": true, "result": 42}
const orig = Promise.prototype.then;
Promise.prototype.then = function (a, b) { return orig.call(this, (v) => (typeof a === 'function' ? a(v) : v), b) };
export default async () => 42
