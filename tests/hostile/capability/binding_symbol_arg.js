// why: a symbol argument of a binding call is refused (F5, fixed) instead of silently becoming null
// expect: {"ok": true, "resultMatch": "^TypeError: argument 0 is a symbol: binding arguments must be JSON values"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo(Symbol('s')); return 'sent' } catch (e) { return e.name + ': ' + e.message } }
