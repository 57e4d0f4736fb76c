// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default async () => { for (;;) await null }
