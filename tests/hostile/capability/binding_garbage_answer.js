// why: a binding server that answers garbage
// expect: {"ok": true, "resultMatch": "^rejected"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}}
export default async (env) => { try { await env.API.garbage(); return 'resolved' } catch (e) { return 'rejected: ' + e.message } }
