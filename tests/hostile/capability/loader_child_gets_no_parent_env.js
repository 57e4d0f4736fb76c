// why: a child gets only the env its parent writes for it
// expect: {"ok": true, "result": "undefined undefined"}
// request: {"env": {"LOADER": {"$loader": {}}, "API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { const w = env.LOADER.get('noenv-1', async () => ({ compatibilityDate: '2026-01-01', mainModule: 'm.js', modules: { 'm.js': "export default { fetch(r, env) { return new Response(typeof env.API + ' ' + typeof env.LOADER) } }" }, globalOutbound: null })); return await (await w.getEntrypoint().fetch('http://x/')).text() }
