// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default () => new Promise(() => { setInterval(() => { for (let i = 0; i < 1e5; i++); }, 0) })
