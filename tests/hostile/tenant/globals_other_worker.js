// why: a global set by a warm worker is not visible to a one-shot run in the same executor
// expect: {"ok": true, "result": "undefined"}
// setup: {"workers": {"t-holder": {"code": "export default { fetch(req) { const u = new URL(req.url); if (u.searchParams.has('set')) globalThis.secret = u.searchParams.get('set'); return new Response(String(globalThis.secret)) } }"}}, "calls": ["/v1/workers/t-holder/fetch?set=holder-secret-1"]}
export default () => String(globalThis.secret)
