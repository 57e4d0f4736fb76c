// why: a result nested a million deep cannot be serialised: a clear error, no crash
// expect: {"ok": false, "code": "bad_result"}
export default () => { let a = []; for (let i = 0; i < 1e6; i++) a = [a]; return a }
