// expect: {"ok": true, "result": "undefined undefined undefined undefined undefined undefined undefined"}
export default () => [typeof process, typeof require, typeof module, typeof Buffer, typeof Deno, typeof __dirname, typeof SharedArrayBuffer].join(' ')
