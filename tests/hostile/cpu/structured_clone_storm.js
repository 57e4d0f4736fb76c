// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150}}
export default () => { const o = { a: new Array(1000).fill({ b: 'c' }) }; for (;;) structuredClone(o) }
