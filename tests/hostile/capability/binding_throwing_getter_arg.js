// why: a getter that throws while the arguments are serialised
// expect: {"ok": true, "resultMatch": "^(boom|Error: boom|DataCloneError|TypeError)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo({ get x() { throw new Error('boom') } }); return 'sent' } catch (e) { return e.message === 'boom' ? 'boom' : e.name + ': ' + e.message } }
