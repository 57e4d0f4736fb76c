// why: finding F3: a shared wasm memory makes Atomics.wait block the executor's thread; only the supervisor's kill ends it
// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 800}}
export default () => { const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }); Atomics.wait(new Int32Array(m.buffer), 0, 0); return 'woke' }
