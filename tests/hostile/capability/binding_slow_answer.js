// expect: {"ok": false, "code": "wall_limit_exceeded"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding?s=4"}}}, "limits": {"wallMs": 800}}
export default async (env) => env.API.slow()
