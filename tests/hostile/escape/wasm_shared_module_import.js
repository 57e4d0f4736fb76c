// why: a worker's wasm module (a module of type wasm, imported) that declares a shared memory is refused when the worker loads (F3, fixed)
// expect: {"ok": false, "errorMatch": "refused: shared memory is not available in this sandbox"}
// request: {"modules": {"m.wasm": {"wasm": "AGFzbQEAAAAFBAEDAQE="}}}
import m from './m.wasm';
export default () => 'ESCAPED: ' + String(m)
