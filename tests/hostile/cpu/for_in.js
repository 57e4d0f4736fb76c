// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { const o = {a: 1, b: 2}; for (;;) for (const k in o) o[k]++ }
