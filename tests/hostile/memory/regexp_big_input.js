// expect: {"ok": true, "resultMatch": "^\\d+$"}
// request: {"limits": {"cpuMs": 3000}}
export default () => { const s = 'ab'.repeat(1 << 22); return String((s.match(/ab/g) || []).length) }
