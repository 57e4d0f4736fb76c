// expect: {"ok": false, "code": ["bad_result", "cpu_limit_exceeded"]}
export default () => JSON.parse('['.repeat(1e6) + ']'.repeat(1e6))
