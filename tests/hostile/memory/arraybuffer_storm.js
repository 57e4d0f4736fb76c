// why: the engine's Out of memory for ArrayBuffers poisons its executor for later fetch handlers (finding F2): run in a tenant of its own
// expect: {"ok": false, "code": "memory_limit_exceeded"}
// headers: {"X-Dynworker-Tenant": "hog-arraybuffer-storm"}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => { const a = []; for (;;) a.push(new ArrayBuffer(1 << 22)) }
