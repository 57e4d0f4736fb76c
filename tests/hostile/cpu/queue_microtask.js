// expect: {"ok": false, "code": ["wall_limit_exceeded", "cpu_limit_exceeded"]}
// why: the engine cannot always stop a microtask chain (then the supervisor ends it at its wall limit); when its watchdog does, the CPU limit ends it first (seen under ASan)
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default () => { const f = () => queueMicrotask(f); f(); return new Promise(() => {}) }
