// expect: {"ok": true, "result": 1073741824}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => ''.padEnd(2 ** 30, 'ab').length
