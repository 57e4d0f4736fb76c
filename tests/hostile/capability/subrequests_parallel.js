// expect: {"ok": true, "result": "3 fulfilled"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}, "limits": {"subRequests": 3}}
export default async (env) => { const r = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => env.API.echo(i))); return r.filter(x => x.status === 'fulfilled').length + ' fulfilled' }
