// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
function* g() { for (let i = 0;; i++) yield i }
export default () => { let s = 0; for (const x of g()) s += x; return s }
