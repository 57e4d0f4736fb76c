// why: long native calls in a loop
// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { for (;;) new Array(2e6).fill('ab').join('-').length }
