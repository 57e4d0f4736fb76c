// expect: {"ok": true, "result": "EvalError"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => attempt(Function.prototype.bind.call(Function, null))
