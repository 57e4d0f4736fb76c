// why: prototypes are per realm
// expect: {"status": 200, "bodyMatch": "^undefined undefined$"}
// setup: {"workers": {"t-polluter": {"code": "Object.prototype.polluted = 'yes'; Array.prototype.polluted = 'yes';\nexport default { fetch() { return new Response('polluted') } }"}}, "calls": ["/v1/workers/t-polluter/fetch"]}
// via: fetch:t-victim
export default { fetch() { return new Response(String(({}).polluted) + ' ' + String([].polluted)) } }
