// why: a bare loop at the top level of the module
// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
while (true) {}
