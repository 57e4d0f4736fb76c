// expect: {"ok": false, "code": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 150}}
const spin = (n: number): never => { for (;;) n++ };
export default (): number => spin(0)
