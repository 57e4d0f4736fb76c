// expect: {"ok": true, "result": "contained"}
export default () => { const srcs = [fetch, Response, setTimeout, console.log, structuredClone].map(f => Function.prototype.toString.call(f)); return srcs.some(s => /DW_CANARY|canary|\/work\//.test(s)) ? 'leaks' : 'contained' }
