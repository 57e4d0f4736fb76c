// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { const s = 'a'.repeat(1 << 20); for (;;) s.replace(/a/g, 'bb').length }
