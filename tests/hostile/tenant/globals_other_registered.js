// why: two registered workers of one tenant have separate globals
// expect: {"status": 200, "bodyMatch": "^undefined$"}
// setup: {"workers": {"t-holder2": {"code": "export default { fetch(req) { const u = new URL(req.url); if (u.searchParams.has('set')) globalThis.secret = u.searchParams.get('set'); return new Response(String(globalThis.secret)) } }"}}, "calls": ["/v1/workers/t-holder2/fetch?set=holder-secret-2"]}
// via: fetch:t-reader
export default { fetch() { return new Response(String(globalThis.secret)) } }
