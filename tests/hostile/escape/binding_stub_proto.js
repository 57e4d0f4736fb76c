// expect: {"ok": true, "result": "contained"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default (env) => { const seen = []; let o = env.API; for (let i = 0; o && i < 10; i++, o = Object.getPrototypeOf(o)) { for (const k of Reflect.ownKeys(o)) { try { const v = o[k]; if (typeof v === 'function' && attempt(v.constructor).startsWith('ESCAPED')) return 'ESCAPED via ' + String(k) } catch (e) {} } } return 'contained' }
