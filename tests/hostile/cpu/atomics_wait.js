// why: Atomics.wait needs a SharedArrayBuffer, which is absent: no blocking wait
// expect: {"ok": true, "result": "TypeError"}
export default () => { try { Atomics.wait(new Int32Array(4), 0, 0); return 'waited' } catch (e) { return e.name } }
