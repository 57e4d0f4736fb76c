// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default () => new Promise(() => { const f = () => setTimeout(f, 0); f() })
