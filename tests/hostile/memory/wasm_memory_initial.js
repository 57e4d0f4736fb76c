// why: the engine's Out of memory for ArrayBuffers poisons its executor for later fetch handlers (finding F2): run in a tenant of its own
// expect: {"ok": true, "result": 4294967296}
// headers: {"X-Dynworker-Tenant": "hog-wasm-memory-initial"}
export default () => new WebAssembly.Memory({ initial: 65536 }).buffer.byteLength
