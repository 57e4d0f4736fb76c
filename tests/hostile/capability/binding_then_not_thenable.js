// why: awaiting a stub must not call a remote 'then' method
// expect: {"ok": true, "result": "stub"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { const x = await env.API; return x === env.API ? 'stub' : typeof x }
