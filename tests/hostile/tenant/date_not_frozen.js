// why: documents a gap: timers are not frozen (no Spectre timer coarsening); performance.now() advances within one call
// expect: {"ok": true, "result": "advances"}
export default () => { const t0 = performance.now(); let n = 0; while (performance.now() === t0 && n < 1e7) n++; return performance.now() > t0 ? 'advances' : 'frozen' }
