// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { outer: for (let i = 0;; i++) { for (let j = 0; j < 10; j++) continue outer } }
