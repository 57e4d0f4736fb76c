// why: unbounded wasm recursion is a catchable RangeError
// expect: {"ok": false, "code": "uncaught_exception", "errorMatch": "stack|recursion"}
const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,7,5,1,1,102,0,0,10,6,1,4,0,16,0,11]);
export default () => new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f()
