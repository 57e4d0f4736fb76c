// why: a module that declares or imports a shared memory would hand out a SharedArrayBuffer through its exports (F3, fixed): refused by WebAssembly.Module, compile, instantiate and validate
// expect: {"ok": true, "result": "CompileError CompileError CompileError CompileError false false"}
const H = [0, 97, 115, 109, 1, 0, 0, 0];
// (memory (export "m") 1 1 shared) and (import "env" "m" (memory 1 1 shared))
const decl = new Uint8Array(H.concat([5, 4, 1, 3, 1, 1, 7, 5, 1, 1, 109, 2, 0]));
const imp = new Uint8Array(H.concat([2, 11, 1, 3, 101, 110, 118, 1, 109, 2, 3, 1, 1]));
const name = async (f) => { try { const m = await f(); return 'ESCAPED: ' + String(m) } catch (e) { return e.name } };
export default async () => [await name(() => new WebAssembly.Module(decl)), await name(() => new WebAssembly.Module(imp)), await name(() => WebAssembly.compile(decl)), await name(() => WebAssembly.instantiate(imp, { env: {} })), WebAssembly.validate(decl), WebAssembly.validate(imp)].join(' ')
