// expect: {"ok": true, "resultMatch": "^rejected"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { const r = []; for (const m of ['constructor', '__proto__', 'then', 'toString', '../../canary', 'a\r\nX-Injected: 1']) { try { r.push(m + ':' + JSON.stringify(await env.API[m]())) } catch (e) { r.push(m + ':rejected') } } return r.join(',').includes('canary":') ? 'LEAK' : 'rejected ' + r.join(',') }
