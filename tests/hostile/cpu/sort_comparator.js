// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => [3, 2, 1, 5, 4].sort(() => { for (;;) {} })
