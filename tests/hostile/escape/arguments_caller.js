// why: sloppy-mode caller walking from a CommonJS module into the runtime's frames
// expect: {"ok": true, "result": "contained"}
// request: {"modules": {}, "mainModule": "main.cjs"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
module.exports = function () { let f = arguments.callee.caller; for (let i = 0; f && i < 20; i++) { if (attempt(f.constructor).startsWith('ESCAPED')) return 'ESCAPED'; try { f = f.caller } catch (e) { break } } return 'contained' }
