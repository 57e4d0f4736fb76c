// why: vm2 #174 adapted: a Proxy thrown through a host conversion, whose trap throws a function
// expect: {"ok": true, "resultMatch": "^(EvalError|no throw|not a function: .*)$"}
const attempt = (F) => { try { return 'ESCAPED ' + F('return typeof process + typeof require')() } catch (e) { return e.name } };
export default () => { try { new Response({ toString() { throw new Proxy({}, { getPrototypeOf() { throw (x) => x.constructor.constructor } }) } }) } catch (e) { if (typeof e === 'function') return attempt(e(() => 1)); return 'not a function: ' + typeof e } return 'no throw' }
