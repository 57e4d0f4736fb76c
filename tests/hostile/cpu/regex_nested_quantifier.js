// why: catastrophic backtracking: not interruptible, the engine's backtrack cap ends it; the CPU limit is reported after
// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => /^(a+)+$/.test('a'.repeat(40) + 'b')
