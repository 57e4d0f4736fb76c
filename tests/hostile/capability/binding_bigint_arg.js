// expect: {"ok": true, "resultMatch": "^(DataCloneError|TypeError|RangeError|Error)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.echo(10n ** 400n); return 'sent' } catch (e) { return e.name + ': ' + e.message } }
