// why: binding arguments cross as JSON (F5, fixed): a function is refused with a TypeError naming its place instead of silently becoming null
// expect: {"ok": true, "result": "TypeError: argument 0 is a function: binding arguments must be JSON values (no functions, symbols, BigInts, NaN or infinities)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo(() => 1); return 'sent' } catch (e) { return e.name + ': ' + e.message } }
