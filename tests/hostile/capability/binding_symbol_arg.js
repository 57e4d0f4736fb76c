// known: F5: a symbol argument of a binding call silently becomes null
// expect: {"ok": true, "resultMatch": "^(DataCloneError|TypeError)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo(Symbol('s')); return 'sent' } catch (e) { return e.name + ': ' + e.message } }
