// why: logs are capped (1000 lines): the answer stays small
// expect: {"ok": true, "result": 1}
// request: {"limits": {"cpuMs": 3000}}
export default () => { for (let i = 0; i < 50000; i++) console.log('line ' + i); return 1 }
