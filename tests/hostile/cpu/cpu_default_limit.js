// why: a registered worker with no limits of its own gets the default CPU budget
// expect: {"status": 500, "header": {"X-Dynworker-Error": "cpu_limit_exceeded"}}
// request: {"limits": null}
// via: fetch:hostile-cpu-default
export default { fetch() { for (;;) {} } }
