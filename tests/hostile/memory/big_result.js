// why: a result larger than the executor's heap
// expect: {"status": [200, 503], "code": ["memory_limit_exceeded", "executor_lost"]}
export default () => 'x'.repeat(100 << 20)
