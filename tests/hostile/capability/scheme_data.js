// expect: {"ok": true, "resultMatch": "^(TypeError|outbound_blocked|REACHED 200 hi)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
export default async () => { try { const r = await fetch("data:text/plain,hi"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
