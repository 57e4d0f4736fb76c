// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 1000}}
async function* g() { for (;;) yield 1 }
export default async () => { for await (const x of g()) {} }
