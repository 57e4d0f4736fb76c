// expect: {"ok": false, "code": "cpu_limit_exceeded"}
export default () => { let a = []; for (let i = 0; i < 1e6; i++) a = [a]; try { return JSON.stringify(a).length } catch (e) { return e.name } }
