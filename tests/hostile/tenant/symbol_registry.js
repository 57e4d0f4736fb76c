// why: Symbol.for's registry may be shared by the realms of a VM; values hung on it are not
// expect: {"ok": true, "result": "fresh"}
// setup: {"workers": {"t-symbol": {"code": "const s = Symbol.for('dw-shared'); Object[s] = 'symbol-secret';\nexport default { fetch() { return new Response(String(Object[s])) } }"}}, "calls": ["/v1/workers/t-symbol/fetch"]}
export default () => { const s = Symbol.for('dw-shared'); return globalThis[s] === undefined && Object[s] === undefined ? 'fresh' : 'LEAK ' + String(Object[s]) }
