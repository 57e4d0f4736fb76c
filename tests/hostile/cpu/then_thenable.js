// why: a thenable that resolves to itself forever
// expect: {"ok": false, "code": ["cpu_limit_exceeded", "wall_limit_exceeded"]}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default () => { const t = { then(r) { r(t) } }; return Promise.resolve(t) }
