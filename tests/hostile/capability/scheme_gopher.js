// expect: {"ok": true, "resultMatch": "^(TypeError|outbound_blocked)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
export default async () => { try { const r = await fetch("gopher://127.0.0.1:{{PORT}}/_GET%20/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
