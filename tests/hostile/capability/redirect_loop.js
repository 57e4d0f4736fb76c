// why: a redirect loop ends (20 hops), no hang
// expect: {"ok": true, "resultMatch": "^(TypeError|subrequest_limit_exceeded)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/loop"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
