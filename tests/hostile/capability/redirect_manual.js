// why: redirect: manual hands the 3xx back without following it
// expect: {"ok": true, "result": "302 http://127.0.0.1:{{PORT}}/canary"}
// request: {"globalOutbound": {"allow": ["*"]}}
// needs: netns
export default async () => { const r = await fetch('http://public.test:{{PORT}}/redirect?to=http%3A%2F%2F127.0.0.1%3A{{PORT}}%2Fcanary', { redirect: 'manual' }); return r.status + ' ' + r.headers.get('location') }
