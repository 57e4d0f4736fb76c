// expect: {"status": [200, 503], "code": ["memory_limit_exceeded", "executor_lost"]}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => { const a = []; for (let i = 0;; i++) a.push(() => i) }
