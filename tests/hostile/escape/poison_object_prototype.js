// expect: {"ok": true, "result": {"a": 1}}
Object.defineProperty(Object.prototype, 'toJSON', { value() { return 'poisoned' }, configurable: true });
Object.prototype.ok = false;
export default () => { delete Object.prototype.toJSON; return { a: 1 } }
