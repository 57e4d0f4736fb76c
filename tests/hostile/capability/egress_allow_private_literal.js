// why: an allow-list naming a loopback address still does not pass the SSRF guard
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["127.0.0.1", "localhost"]}}
export default async () => { try { const r = await fetch("http://127.0.0.1:{{PORT}}/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
