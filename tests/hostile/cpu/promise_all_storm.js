// why: an await loop: stopped for CPU in-process, or at the wall limit
// expect: {"ok": false, "code": ["cpu_limit_exceeded", "wall_limit_exceeded"]}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
export default async () => { for (;;) await Promise.all([1, 2, 3].map(async x => x)) }
