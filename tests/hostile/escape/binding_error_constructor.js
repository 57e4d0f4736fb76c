// expect: {"ok": true, "result": "EvalError"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default async (env) => { try { await env.API.nope() } catch (e) { return attempt(e.constructor.constructor) } return 'no error' }
