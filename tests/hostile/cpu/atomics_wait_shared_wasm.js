// why: a shared wasm memory is a SharedArrayBuffer (finding F3); Atomics.wait on it would block the executor's thread beyond the watchdog, so the realm has no Atomics.wait
// expect: {"ok": true, "result": "undefined undefined TypeError"}
// request: {"limits": {"cpuMs": 150, "wallMs": 800}}
export default () => { const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }); let r; try { Atomics.wait(new Int32Array(m.buffer), 0, 0); r = 'woke' } catch (e) { r = e.name } return [typeof Atomics.wait, typeof Atomics.waitAsync, r].join(' ') }
