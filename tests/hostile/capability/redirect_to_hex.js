// why: every redirect hop goes through the guard again
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/redirect?code=302&to=http%3A%2F%2F0x7f.1%3A{{PORT}}%2Fcanary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
