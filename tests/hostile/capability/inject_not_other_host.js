// expect: {"ok": true, "result": "absent"}
// request: {"globalOutbound": {"allow": ["public.test", "1.2.3.4"], "inject": {"public.test": {"X-Secret": "inj-7f3a"}}}}
// needs: netns
export default async () => { const r = await fetch('http://1.2.3.4:{{PORT}}/echo'); return (await r.json()).headers['x-secret'] || 'absent' }
