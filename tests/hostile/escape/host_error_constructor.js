// why: vm2 #138: an exception thrown by a host API, then its constructor's constructor
// expect: {"ok": true, "result": "EvalError"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default async () => { try { await fetch('http://example.com/') } catch (e) { return attempt(e.constructor.constructor) } return 'no error' }
