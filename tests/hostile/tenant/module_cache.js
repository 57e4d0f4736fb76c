// expect: {"status": 200, "bodyMatch": "^0$"}
// setup: {"workers": {"t-cache-a": {"code": "const cache = new Map();\nexport default { fetch() { cache.set('k', 'cache-secret'); return new Response(String(cache.size)) } }"}}, "calls": ["/v1/workers/t-cache-a/fetch"]}
// via: fetch:t-cache-b
const cache = new Map();
export default { fetch() { return new Response(String(cache.size)) } }
