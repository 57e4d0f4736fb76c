// why: a finalizer left behind must not run guest code in someone else's invocation
// expect: {"ok": true, "result": "ok"}
export default async () => { const r = new FinalizationRegistry((h) => { for (;;) {} }); for (let i = 0; i < 1000; i++) r.register({}, i); new WeakRef({}); return 'ok' }
