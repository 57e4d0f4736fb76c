// expect: {"ok": true, "result": "clean"}
// setup: {"workers": {"t-polluter2": {"code": "JSON.parse = () => ({ polluted: 1 }); Math.max = () => 'evil';\nexport default { fetch() { return new Response('polluted') } }"}}, "calls": ["/v1/workers/t-polluter2/fetch"]}
export default () => (typeof JSON.parse('{}').polluted === 'undefined' && Math.max.toString().includes('native')) ? 'clean' : 'polluted'
