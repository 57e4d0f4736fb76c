// why: the loop comes as a wasm module of the worker
// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 800}, "modules": {"loop.wasm": {"wasm": "AGFzbQEAAAABBAFgAAADAgEABwUBAWYAAAoJAQcAA0AMAAsL"}}}
import mod from './loop.wasm';
export default () => new WebAssembly.Instance(mod).exports.f()
