// expect: {"status": [200, 503], "code": ["memory_limit_exceeded", "executor_lost"]}
// request: {"limits": {"cpuMs": 5000, "wallMs": 6000}}
export default () => new Array(1 << 26).fill('abcdefgh').join('').length
