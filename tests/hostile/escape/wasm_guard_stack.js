// why: the realm's WebAssembly guard is installed at the first read of the global; a read that overflows the stack part-way must not hand out an unguarded WebAssembly (F3, fixed)
// expect: {"ok": true, "resultMatch": "^\\d+ object TypeError CompileError true true compile$"}
// request: {"limits": {"cpuMs": 2000}}
const FAIL = {}; let fails = 0;
function rec(n) {
  let r;
  try { r = rec(n + 1) } catch (e) { r = FAIL }
  if (r === FAIL || r instanceof Error) { try { return WebAssembly } catch (e2) { fails++; return e2 } }
  return r;
}
export default () => {
  const W = rec(0);
  const out = [fails, typeof W];
  try { new W.Memory({ initial: 1, maximum: 1, shared: true }); out.push('ESCAPED') } catch (e) { out.push(e.name) }
  try { new W.Module(new Uint8Array([0,97,115,109,1,0,0,0,5,4,1,3,1,1])); out.push('ESCAPED') } catch (e) { out.push(e.name) }
  out.push(W.Memory.prototype.constructor === W.Memory, W.Module.prototype.constructor === W.Module, W.compile.name);
  return out.join(' ');
}
