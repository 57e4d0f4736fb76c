// expect: {"ok": true, "result": "EvalError"}
export default () => { try { return 'ESCAPED ' + (0, eval)('typeof process') } catch (e) { return e.name } }
