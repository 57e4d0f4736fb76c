// why: a name whose address is private is refused at connect time
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://loop.test:{{PORT}}/canary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
