// why: control: the binding works
// expect: {"ok": true, "result": [1, "two", {"three": 3}]}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => env.API.echo(1, 'two', { three: 3 })
