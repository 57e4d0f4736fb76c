// why: control: the secret reaches the binding's server
// expect: {"ok": true, "result": {"x-binding-secret": "bs-91"}}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding", "headers": {"X-Binding-Secret": "bs-91"}}}}}
export default async (env) => env.API.headers()
