// expect: {"ok": true, "resultMatch": "^(TypeError|outbound_blocked)$"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/redirect?to=file%3A%2F%2F{{CANARY_PATH}}"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
