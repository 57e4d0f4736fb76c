// expect: {"ok": true, "result": "2 ok, then subrequest_limit_exceeded"}
// request: {"globalOutbound": {"allow": ["public.test"]}, "limits": {"subRequests": 2}}
// needs: netns
export default async () => { let n = 0; try { for (let i = 0; i < 5; i++) { await fetch('http://public.test:{{PORT}}/echo'); n++ } return n + ' ok' } catch (e) { return n + ' ok, then ' + (e.code || e.message) } }
