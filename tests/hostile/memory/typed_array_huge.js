// why: an impossible length is a catchable RangeError
// expect: {"ok": false, "code": "uncaught_exception", "errorMatch": "length too large|Out of memory"}
export default () => new Uint8Array(2 ** 33).length
