// why: values JSON would lose deep inside binding arguments (a method, a toJSON that returns a function, NaN, a symbol) are refused with their path (F5, fixed); undefined keeps JSON's meaning
// expect: {"ok": true, "result": ["argument 1.items[2].cb is a function", "argument 0.f is a function", "argument 0.m[\"a b\"][0] is NaN", "argument 0.s is a symbol", "sent [{\"a\":[null]},null]"]}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
const t = async (env, ...a) => { try { return 'sent ' + JSON.stringify(await env.API.echo(...a)) } catch (e) { return e.name === 'TypeError' ? e.message.split(':')[0] : e.name + ': ' + e.message } };
export default async (env) => [await t(env, 'x', { items: [1, 2, { cb() {} }] }), await t(env, { toJSON() { return { f: Math.max } } }), await t(env, { m: { 'a b': [NaN] } }), await t(env, { s: Symbol.iterator }), await t(env, { u: undefined, a: [undefined] }, undefined)]
