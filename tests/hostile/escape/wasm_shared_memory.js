// known: F3: new WebAssembly.Memory({shared: true}) hands out a SharedArrayBuffer (and its constructor), which the design says is absent
// why: a shared wasm memory would hand out a SharedArrayBuffer (high-resolution timer)
// expect: {"ok": true, "resultMatch": "^(TypeError|RangeError|CompileError|not shared)"}
export default () => { try { const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }); return m.buffer instanceof ArrayBuffer ? 'not shared' : 'ESCAPED: ' + m.buffer.constructor.name } catch (e) { return e.name } }
