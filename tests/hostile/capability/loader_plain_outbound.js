// why: a plain object as a child's globalOutbound is not a gateway and not a policy
// expect: {"ok": true, "resultMatch": "^(blocked|rejected.*)$"}
// request: {"env": {"LOADER": {"$loader": {}}}}
export default async (env) => { const w = env.LOADER.get('forge-3', async () => ({ compatibilityDate: '2026-01-01', mainModule: 'm.js', modules: { 'm.js': "export default { async fetch() { try { await fetch('http://127.0.0.1:{{PORT}}/canary'); return new Response('REACHED') } catch (e) { return new Response('blocked') } } }" }, globalOutbound: { allow: ['*'], $http: { url: '{{LOCAL}}/canary' } } })); try { return await (await w.getEntrypoint().fetch('http://x/')).text() } catch (e) { return 'rejected ' + e.message } }
