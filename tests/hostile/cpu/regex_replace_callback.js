// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => 'aaaa'.replace(/a/g, () => { for (;;) {} })
