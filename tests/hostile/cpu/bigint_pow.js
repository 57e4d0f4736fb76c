// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { let x = 3n; for (;;) x = (x * x) % (2n ** 4096n - 1n) }
