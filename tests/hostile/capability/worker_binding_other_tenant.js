// why: $worker bindings resolve within the caller's tenant
// expect: {"ok": true, "resultMatch": "^rejected"}
// request: {"env": {"S": {"$worker": "tenant-secret"}}}
// setup: {"workers": {"tenant-secret": {"$tenant": "other-tenant", "code": "import { WorkerEntrypoint } from 'cloudflare:workers';\nexport default class extends WorkerEntrypoint { secret() { return 'other tenant secret' } }"}}}
export default async (env) => { try { return 'LEAK ' + await env.S.secret() } catch (e) { return 'rejected: ' + e.message } }
