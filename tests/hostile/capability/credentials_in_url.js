// expect: {"ok": true, "result": "TypeError"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://user:pass@public.test:{{PORT}}/echo"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
