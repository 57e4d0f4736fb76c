// why: a 4 GiB WebAssembly memory is only reserved; touching it all passes the executor's RSS ceiling: killed, its own tenant (finding F2)
// expect: {"status": [200, 503], "code": ["memory_limit_exceeded", "executor_lost"]}
// headers: {"X-Dynworker-Tenant": "hog-wasm-memory-touch"}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => { const m = new WebAssembly.Memory({ initial: 65536 }); new Uint8Array(m.buffer).fill(1); return 'touched' }
