// expect: {"ok": true, "resultMatch": "^(TypeError|REACHED 200 (?!.*x-injected).*)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const h = new Headers(); h.set('X-A', 'ok'); const req = new Request('http://public.test:{{PORT}}/echo', { headers: h }); Object.defineProperty(req.headers, 'get', { value: () => 'v\r\nX-Injected: 1' }); const r = await fetch(req); return 'REACHED ' + r.status + ' ' + await r.text() } catch (e) { return e.code || e.name } }
