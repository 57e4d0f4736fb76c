// why: deep recursion is a catchable RangeError, not a crash
// expect: {"ok": false, "code": "uncaught_exception", "errorMatch": "stack|recursion"}
function f(n) { return f(n + 1) + 1 }
export default () => f(0)
