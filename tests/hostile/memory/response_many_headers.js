// expect: {"ok": false, "code": "uncaught_exception", "errorMatch": "Too many headers"}
// request: {"limits": {"cpuMs": 3000}}
export default async () => { const h = new Headers(); for (let i = 0; i < 100000; i++) h.append('x-h' + i, 'v'); try { new Response('x', { headers: h }); return 'ok' } catch (e) { return e.name } }
