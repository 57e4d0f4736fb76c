// why: one-shot runs never share a realm: see also the setup of the next case
// expect: {"ok": true, "result": "undefined undefined"}
// setup: {"calls": []}
export default () => String(globalThis.leftover) + ' ' + String(Object.prototype.leftover)
