// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150, "wallMs": 5000}}
export default () => /^(a|a)*$/.test('a'.repeat(40) + 'b')
