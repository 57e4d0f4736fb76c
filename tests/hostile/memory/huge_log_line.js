// why: one log line is capped at 64 KiB
// expect: {"ok": true, "result": 1}
export default () => { console.log('y'.repeat(40 << 20)); return 1 }
