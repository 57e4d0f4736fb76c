// expect: {"ok": true, "resultMatch": "^(DataCloneError|TypeError|RangeError|\\[)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { const a = []; a.push(a); try { return JSON.stringify(await env.API.echo(a)) } catch (e) { return e.name + ': ' + e.message } }
