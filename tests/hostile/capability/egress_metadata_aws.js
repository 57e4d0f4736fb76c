// why: SSRF guard: 169.254.169.254 is not globally routable
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["*"]}}
export default async () => { try { const r = await fetch("http://169.254.169.254:{{PORT}}/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
