// why: no host or runtime internals on the global object
// expect: {"ok": true, "result": []}
export default () => Reflect.ownKeys(globalThis).map(String).filter(n => /^(_|\$)|host|native|dw|ipc|sup|exec|process|require|Deno|Bun|__/i.test(n) && !['Symbol(Symbol.toStringTag)'].includes(n))
