// why: *.public.test does not admit the apex
// expect: {"ok": true, "result": "outbound_blocked"}
// request: {"globalOutbound": {"allow": ["example.com", "*.public.test"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/echo"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
