// expect: {"ok": true, "result": "inj-7f3a"}
// request: {"globalOutbound": {"allow": ["public.test", "1.2.3.4"], "inject": {"public.test": {"X-Secret": "inj-7f3a"}}}}
// needs: netns
export default async () => { const r = await fetch('http://public.test:{{PORT}}/echo', { headers: { 'X-Secret': 'mine' } }); return (await r.json()).headers['x-secret'] }
