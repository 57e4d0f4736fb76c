// why: an endless microtask chain: each microtask is a new VM entry
// expect: {"ok": false, "code": ["cpu_limit_exceeded", "wall_limit_exceeded"]}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default () => { const f = () => Promise.resolve().then(f); f(); return new Promise(() => {}) }
