// why: a runaway timer left behind after the answer must not hang the answer
// expect: {"ok": true, "result": "returned"}
export default () => { setInterval(() => { for (;;) {} }, 1); return 'returned' }
