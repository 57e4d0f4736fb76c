// expect: {"ok": true, "resultMatch": "^(trap|DataCloneError|TypeError|sent)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo(new Proxy({}, { ownKeys() { throw new Error('trap') }, get() { throw new Error('trap') } })); return 'sent' } catch (e) { return e.message === 'trap' ? 'trap' : e.name + ': ' + e.message } }
