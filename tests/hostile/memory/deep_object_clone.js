// expect: {"ok": false, "code": "cpu_limit_exceeded"}
export default () => { let o = {}; for (let i = 0; i < 1e6; i++) o = { o }; try { structuredClone(o); return 'cloned' } catch (e) { return e.name + ': ' + e.message } }
