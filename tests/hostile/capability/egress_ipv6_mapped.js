// why: SSRF guard: [::ffff:127.0.0.1] is not globally routable
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["*"]}}
export default async () => { try { const r = await fetch("http://[::ffff:127.0.0.1]:{{PORT}}/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
