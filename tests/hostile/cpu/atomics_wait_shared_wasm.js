// why: a shared wasm memory would be a SharedArrayBuffer, and Atomics.wait on it would block the executor's thread beyond the watchdog: the realm has neither a shared memory (F3, fixed) nor Atomics.wait
// expect: {"ok": true, "result": "undefined undefined TypeError"}
// request: {"limits": {"cpuMs": 150, "wallMs": 800}}
export default () => { let r; try { const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }); Atomics.wait(new Int32Array(m.buffer), 0, 0); r = 'woke' } catch (e) { r = e.name } return [typeof Atomics.wait, typeof Atomics.waitAsync, r].join(' ') }
