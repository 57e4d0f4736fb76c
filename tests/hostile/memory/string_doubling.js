// expect: {"ok": false, "code": "memory_limit_exceeded"}
export default () => { let s = 'x'; for (;;) s += s }
