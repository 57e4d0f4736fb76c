// expect: {"ok": true, "result": "EvalError"}
export default () => { try { return 'ESCAPED ' + eval('typeof process') } catch (e) { return e.name } }
