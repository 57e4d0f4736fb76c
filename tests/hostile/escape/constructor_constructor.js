// why: the classic: Object -> Function constructor -> code from a string
// expect: {"ok": true, "result": "EvalError"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => attempt(({}).constructor.constructor)
