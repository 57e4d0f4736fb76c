// expect: {"ok": false, "code": "memory_limit_exceeded"}
export default () => 'x'.repeat(2 ** 31)
