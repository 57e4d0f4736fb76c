// why: SSRF guard: 127.12.34.56 is not globally routable
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["*"]}}
export default async () => { try { const r = await fetch("http://127.12.34.56:{{PORT}}/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
