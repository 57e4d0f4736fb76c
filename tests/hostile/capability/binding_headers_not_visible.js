// why: the binding's URL and secret headers are the host's: every property of a stub is a remote method, none holds them
// expect: {"ok": true, "resultMatch": "^(?!.*(bs-91|/binding)).*$"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding", "headers": {"X-Binding-Secret": "bs-91"}}}}}
export default (env) => { let out = []; for (const k of ['url', 'headers', 'desc', '$http', 'toString', 'toJSON']) { try { out.push(String(env.API[k])) } catch (e) { out.push(e.name) } } return out.join(' ') }
