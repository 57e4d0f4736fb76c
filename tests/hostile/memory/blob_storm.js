// why: the engine's Out of memory for ArrayBuffers poisons its executor for later fetch handlers (finding F2): run in a tenant of its own
// expect: {"status": [200, 503], "code": ["memory_limit_exceeded", "executor_lost"]}
// headers: {"X-Dynworker-Tenant": "hog-blob-storm"}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => { const a = []; const s = 'x'.repeat(1 << 20); for (;;) a.push(new Blob([s, s, s, s])) }
