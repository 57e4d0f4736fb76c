// expect: {"status": 500, "header": {"X-Dynworker-Error": "cpu_limit_exceeded"}}
// request: {"limits": {"cpuMs": 100}}
// via: fetch:hostile-cpu-fetch
export default { fetch() { for (;;) {} } }
