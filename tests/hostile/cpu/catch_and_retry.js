// why: termination cannot be caught
// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => { for (;;) { try { for (;;) {} } catch (e) {} } }
