import { v, f } from "./lib.js";
function a(v) { return v; }
const b = (v) => v * 2;
const c = v => v * 3;
const d = ({ v }) => v;
const e = ([v]) => v;
const g = (x = v) => x;
function h() { var v = "local"; return v; }
function k() { if (true) { let v = "block"; return v; } }
let m; try { throw "caught"; } catch (v) { m = v; }
const n = function v() { return typeof v; };
class K { v() { return "method"; } get f() { return "getter"; } }
const o = { v: "prop", f };
const p = { v };
for (const v of ["loop"]) console.log(v);
console.log(a(1), b(2), c(3), d({ v: 4 }), e([5]), g(), h(), k(), m, n(), new K().v(), new K().f);
console.log(o.v, o.f(), p.v, v, f());
label: for (;;) { break label; }
const q = { ...{ v } };
console.log(q.v);
