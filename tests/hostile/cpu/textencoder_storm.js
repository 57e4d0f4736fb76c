// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150}}
export default () => { const e = new TextEncoder(), s = 'é'.repeat(1 << 16); for (;;) e.encode(s) }
