// why: a clone storm is mostly garbage collection, which is credited, not charged (up to 1 s): it may pass the executor's RSS ceiling before its CPU limit
// expect: [{"ok": false, "code": ["cpu_limit_exceeded", "memory_limit_exceeded"]}, {"status": 503, "code": "executor_lost"}]
// request: {"limits": {"cpuMs": 150}}
export default () => { const o = { a: new Array(1000).fill({ b: 'c' }) }; for (;;) structuredClone(o) }
