// why: vm2 #184 adapted: a getter of a built-in leading to the Function constructor
// expect: {"ok": true, "result": "EvalError"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => { const g = Object.prototype.__lookupGetter__.call(Uint8Array.from, '__proto__'); return attempt(Object.getOwnPropertyDescriptor(g.call(Uint8Array.from), 'constructor').value) }
