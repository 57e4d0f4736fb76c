// expect: {"ok": true, "result": "EvalError"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => { try { return 'ESCAPED ' + Reflect.construct(Function, ['return 1'])() } catch (e) { return e.name } }
