// why: vm2 CVE-2023-30547 style: hooking Promise.prototype.then to capture the runtime's own callbacks
// expect: {"ok": true, "result": "contained"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default async () => { let caught = []; const orig = Promise.prototype.then; Promise.prototype.then = function (a, b) { caught.push(a, b); return orig.call(this, a, b) }; try { await fetch('http://x.test/') } catch (e) { caught.push(e) } Promise.prototype.then = orig; for (const c of caught) { if (typeof c === 'function' && attempt(c.constructor).startsWith('ESCAPED')) return 'ESCAPED' } return 'contained' }
