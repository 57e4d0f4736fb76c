// why: the server gets the injected header; the worker's own Request never holds it
// expect: {"ok": true, "result": "inj-7f3a|null"}
// request: {"globalOutbound": {"allow": ["public.test", "1.2.3.4"], "inject": {"public.test": {"X-Secret": "inj-7f3a"}}}}
// needs: netns
export default async () => { const req = new Request('http://public.test:{{PORT}}/echo'); const r = await fetch(req); return (await r.json()).headers['x-secret'] + '|' + req.headers.get('x-secret') }
