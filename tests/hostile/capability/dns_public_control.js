// why: control: the same server at a public address is reachable, so the refusals above are the guard's
// expect: {"ok": true, "resultMatch": "^REACHED 200 "}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { try { const r = await fetch("http://public.test:{{PORT}}/echo"); return 'REACHED ' + r.status + ' ' + (await r.text()).slice(0, 200) } catch (e) { return e.code || e.name } }
