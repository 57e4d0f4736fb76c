// why: a result larger than the executor's heap; when the heap holds it (a bigger build, ASan), the result is refused as larger than the executor's channel takes: 413 too_large
// expect: {"status": [200, 503, 413], "code": ["memory_limit_exceeded", "executor_lost", "too_large"]}
export default () => 'x'.repeat(100 << 20)
