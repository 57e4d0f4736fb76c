// expect: {"ok": true, "result": [1, 2]}
Array.prototype[Symbol.iterator] = function* () { yield 'poisoned' };
Array.prototype.map = () => ['poisoned'];
export default () => [1, 2]
