// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default async () => { const d = new Uint8Array(1 << 16); for (;;) await crypto.subtle.digest('SHA-256', d) }
