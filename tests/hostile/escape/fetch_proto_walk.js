// why: every function reachable from the Web APIs is a function of the realm; none creates code from strings
// expect: {"ok": true, "result": "contained"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => { for (const root of [fetch, Response, Request, Headers, URL, console, crypto, setTimeout, structuredClone]) { let o = root; for (let i = 0; o && i < 10; i++, o = Object.getPrototypeOf(o)) { for (const k of Reflect.ownKeys(o)) { let v; try { v = o[k] } catch (e) { continue } if (typeof v === 'function' && attempt(v.constructor).startsWith('ESCAPED')) return 'ESCAPED via ' + String(k) } } } return 'contained' }
