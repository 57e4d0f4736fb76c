// expect: {"ok": true, "resultMatch": "^(outbound_blocked|TypeError)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
export default async () => { try { const r = await fetch("http://x.localhost:{{PORT}}/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
