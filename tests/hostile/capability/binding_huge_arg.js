// why: arguments past the frame cap are refused, not sent (with the corpus's 128 MB executors the 80 MB string may also pass the RSS ceiling: memory_limit_exceeded, or executor_lost when the executor held others; integration_daemon oversized_frames checks the cap at 512 MB)
// expect: [{"ok": true, "resultMatch": "^(RangeError|TypeError|Error|DataCloneError|too_large)"}, {"status": 503, "code": "executor_lost"}, {"ok": false, "code": "memory_limit_exceeded"}]
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding"}}}, "limits": {"cpuMs": 3000, "wallMs": 10000}}
export default async (env) => { try { await env.API.echo('x'.repeat(80 << 20)); return 'sent' } catch (e) { return e.code || (e.name + ': ' + e.message) } }
