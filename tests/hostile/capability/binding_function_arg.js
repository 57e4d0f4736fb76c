// known: F5: binding arguments are converted as JSON (a function, a symbol, undefined become null; a Map becomes {}) instead of being refused like a structured clone; only a BigInt is refused ('must be JSON values')
// expect: {"ok": true, "resultMatch": "^(DataCloneError|TypeError)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo(() => 1); return 'sent' } catch (e) { return e.name + ': ' + e.message } }
