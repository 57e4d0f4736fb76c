// expect: {"ok": true, "result": "3 ok, then subrequest_limit_exceeded"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}, "limits": {"subRequests": 3}}
export default async (env) => { let n = 0; try { for (let i = 0; i < 10; i++) { await env.API.echo(i); n++ } return n + ' ok' } catch (e) { return n + ' ok, then ' + (e.code || e.message) } }
