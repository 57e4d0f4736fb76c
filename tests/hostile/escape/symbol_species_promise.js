// why: vm2 CVE-2023-37466 adapted: Promise species to capture an internal value
// expect: {"ok": true, "result": "contained"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default async () => { let leak; class P extends Promise { static get [Symbol.species]() { return function (exec) { exec((v) => { leak = v }, (e) => { leak = e }) } } } const p = P.resolve(1); try { p.then(() => {}) } catch (e) {} await null; for (const v of [leak]) if (v && typeof v === 'object' && v.constructor && attempt(v.constructor.constructor).startsWith('ESCAPED')) return 'ESCAPED'; return 'contained' }
