// why: a child that omits globalOutbound inherits the parent's: none
// expect: {"ok": true, "result": "blocked"}
// request: {"env": {"LOADER": {"$loader": {}}}}
export default async (env) => { const w = env.LOADER.get('inherit-1', async () => ({ compatibilityDate: '2026-01-01', mainModule: 'm.js', modules: { 'm.js': "export default { async fetch() { try { await fetch('http://public.test:{{PORT}}/echo'); return new Response('REACHED') } catch (e) { return new Response('blocked') } } }" } })); return await (await w.getEntrypoint().fetch('http://x/')).text() }
