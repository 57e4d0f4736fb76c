// expect: {"ok": true, "resultMatch": "^(8388608|rejected.*)$"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding?n=8388608"}}}, "limits": {"cpuMs": 2000}}
export default async (env) => { try { return String((await env.API.big()).length) } catch (e) { return 'rejected: ' + e.message } }
