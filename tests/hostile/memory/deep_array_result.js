// why: a result nested a million deep cannot be serialised: a clear error, no crash (with the CPU to find out: with less, the CPU limit answers, cpu/tojson_result.js)
// expect: {"ok": false, "code": "bad_result"}
// request: {"limits": {"cpuMs": 5000, "wallMs": 10000}}
export default () => { let a = []; for (let i = 0; i < 1e6; i++) a = [a]; return a }
