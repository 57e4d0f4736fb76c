// why: isolated-vm's warning: a host reference handed to the guest as a springboard; the stub has no constructor and a null prototype
// expect: {"ok": true, "result": "undefined null"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default (env) => { const c = env.API.constructor, p = Object.getPrototypeOf(env.API); return [typeof c === 'function' ? attempt(c.constructor) : typeof c, p === null ? 'null' : attempt(p.constructor)].join(' ') }
