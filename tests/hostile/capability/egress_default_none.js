// why: no globalOutbound: no network
// expect: {"ok": true, "result": "outbound_blocked"}
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/echo"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
