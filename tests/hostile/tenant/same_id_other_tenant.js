// why: the same worker id in another tenant is another worker
// expect: {"status": 200, "bodyMatch": "^undefined$"}
// setup: {"workers": {"t-shared": {"$tenant": "tenant-a", "code": "export default { fetch(req) { const u = new URL(req.url); if (u.searchParams.has('set')) globalThis.secret = u.searchParams.get('set'); return new Response(String(globalThis.secret)) } }"}}, "calls": []}
// headers: {"X-Dynworker-Tenant": "tenant-b"}
// via: fetch:t-shared
export default { fetch(req) { const u = new URL(req.url); if (u.searchParams.has('set')) globalThis.secret = u.searchParams.get('set'); return new Response(String(globalThis.secret)) } }
