// expect: {"ok": true, "resultMatch": "^rejected"}
export default async () => { try { await import('fs'); return 'ESCAPED' } catch (e) { return 'rejected: ' + e.name } }
