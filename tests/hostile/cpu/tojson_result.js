// why: the loop runs while the runtime serialises the result
// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => ({ toJSON() { while (true) {} } })
