// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { let a = new Array(1000).fill(1); for (;;) a = a.map(x => x + 1) }
