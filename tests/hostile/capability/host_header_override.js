// why: Host, Transfer-Encoding and Content-Length are the runtime's: a worker cannot smuggle with them
// expect: {"ok": true, "resultMatch": "^public\\.test:"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { const r = await fetch('http://public.test:{{PORT}}/echo', { headers: { Host: '127.0.0.1', 'Transfer-Encoding': 'chunked', 'Content-Length': '5' } }); return (await r.json()).headers.host }
