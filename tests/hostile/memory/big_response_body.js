// why: a 60 MiB body (under the 64 MiB cap) fits or ends at the memory limit; the engine's Out of memory for ArrayBuffers poisons its executor for later fetch handlers (finding F2): run in a tenant of its own
// expect: [{"ok": true}, {"status": [200, 503], "code": ["memory_limit_exceeded", "executor_lost", "wall_limit_exceeded"]}]
// headers: {"X-Dynworker-Tenant": "hog-big-response-body"}
export default { fetch() { return new Response('z'.repeat(60 << 20)) } }
