// expect: {"ok": true, "resultMatch": "^(TypeError|outbound_blocked|REACHED 404 .*|REACHED 200 (?!.*x-injected).*)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/echo%0d%0aX-Injected:%201"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
