// why: stacks name only the worker's modules, never host paths
// expect: {"ok": true, "result": false}
export default () => { const s = []; try { null.f() } catch (e) { s.push(e.stack) } try { new URL('::') } catch (e) { s.push(e.stack) } s.push(new Error().stack); return /\/(work|home|usr|tmp|root|build|src)\//.test(s.join('\n')) }
