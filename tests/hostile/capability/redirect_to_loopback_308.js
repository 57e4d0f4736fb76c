// why: every redirect hop goes through the guard again
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/redirect?code=308&to=http%3A%2F%2F%5B%3A%3A1%5D%3A{{PORT}}%2Fcanary"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
