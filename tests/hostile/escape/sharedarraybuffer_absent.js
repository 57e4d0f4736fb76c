// expect: {"ok": true, "result": "undefined|undefined"}
export default () => typeof SharedArrayBuffer + '|' + typeof WebAssembly.Memory.prototype.shared
