// why: a string handler must never be evaluated
// expect: {"ok": true, "resultMatch": "^(TypeError|EvalError|not run)$"}
export default () => new Promise(r => { try { setTimeout('globalThis.ran = 1', 0) } catch (e) { return r(e.name) } setTimeout(() => r(globalThis.ran ? 'ESCAPED' : 'not run'), 20) })
