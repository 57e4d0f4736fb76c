// why: a redirect to another host gets that host's rules, not the first host's secret
// expect: {"ok": true, "result": "absent"}
// request: {"globalOutbound": {"allow": ["public.test", "1.2.3.4"], "inject": {"public.test": {"X-Secret": "inj-7f3a"}}}}
// needs: netns
export default async () => { const r = await fetch('http://public.test:{{PORT}}/redirect?to=http%3A%2F%2F1.2.3.4%3A{{PORT}}%2Fecho'); return (await r.json()).headers['x-secret'] || 'absent' }
