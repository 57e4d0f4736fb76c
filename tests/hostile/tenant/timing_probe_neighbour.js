// why: documents a gap: a worker can time its own loops at sub-millisecond resolution while neighbours run (no frozen timers)
// expect: {"ok": true, "resultMatch": "^measured"}
export default () => { const t = []; for (let i = 0; i < 50; i++) { const a = performance.now(); for (let j = 0; j < 1e4; j++); t.push(performance.now() - a) } return 'measured ' + t.length }
