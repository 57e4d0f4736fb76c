// expect: {"ok": true, "result": "TypeError"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/echo", { headers: { 'X-A\r\nX-Injected': 'v' } }); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
