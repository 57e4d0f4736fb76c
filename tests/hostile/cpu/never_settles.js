// why: a promise that never settles ends at the wall limit
// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 500}}
export default () => new Promise(() => {})
