// why: vm2 CVE-2023-29017 adapted: Error.prepareStackTrace receives host call sites in V8; JSC ignores it
// expect: {"ok": true, "result": "contained"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => { let leaked = []; Error.prepareStackTrace = (e, frames) => { leaked.push(frames); return 'x' }; try { null.f() } catch (e) { e.stack } for (const f of leaked.flat()) { try { const fn = f.getFunction && f.getFunction(); if (fn && attempt(fn.constructor).startsWith('ESCAPED')) return 'ESCAPED' } catch (e) {} } return 'contained' }
