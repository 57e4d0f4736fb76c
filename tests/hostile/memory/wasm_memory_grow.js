// why: the engine's Out of memory for ArrayBuffers poisons its executor for later fetch handlers (finding F2): run in a tenant of its own
// expect: {"ok": false, "code": ["memory_limit_exceeded", "uncaught_exception"], "errorMatch": "memory|Memory|page"}
// headers: {"X-Dynworker-Tenant": "hog-wasm-memory-grow"}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => { const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); for (;;) m.grow(256) }
