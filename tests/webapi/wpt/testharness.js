// A tiny shim of WPT's testharness.js API over harness.js, for the tests/webapi/wpt-*.js
// suites (tests written in WPT's style after WPT test cases). Expected failures are listed
// in tests/webapi/wpt-expected-failures.txt ("suite<TAB>test name<TAB>reason"): a listed
// test passes here only if it fails, so the list stays true.
(function () {
  'use strict';
  const expected = new Map();
  for (const line of __readTestFile('wpt-expected-failures.txt').split('\n')) {
    if (line === '' || line[0] === '#') continue;
    const [suite, name, reason] = line.split('\t');
    if (!suite || !name || !reason) throw new Error(`wpt-expected-failures.txt: bad line: ${line}`);
    expected.set(`${suite}\t${name}`, reason);
  }
  let suite = '';
  const names = new Set();
  const seen = new Set(); // "suite\tname" of every registered test
  globalThis.wpt_suite = (s) => { suite = s; };
  const show = (v) => { try { return typeof v === 'string' ? JSON.stringify(v) : String(v); } catch { return '?'; } };
  const fail = (msg) => { throw new Error(msg); };
  const register = (name, body) => {
    if (names.has(name)) throw new Error(`duplicate WPT test name: ${name}`);
    names.add(name);
    seen.add(`${suite}\t${name}`);
    const listed = expected.has(`${suite}\t${name}`);
    globalThis.test.call(null, `${suite}: ${name}${listed ? ' (expected failure)' : ''}`, async () => {
      let err = null;
      try { await body(); } catch (e) { err = e; }
      if (listed && err === null) throw new Error('listed as an expected failure but passes');
      if (!listed && err !== null) throw err;
    });
  };
  const harnessTest = globalThis.test;
  function makeT() {
    const cleanups = [];
    const t = {
      step_func: (f) => function (...a) { return f.apply(this, a); },
      step_func_done: (f) => function (...a) { const r = f ? f.apply(this, a) : undefined; t.done(); return r; },
      unreached_func: (msg) => () => fail(`unreached: ${msg}`),
      step_timeout: (f, ms) => setTimeout(f, ms),
      add_cleanup: (f) => { cleanups.push(f); },
      done: () => { t._resolve(); },
      step: (f) => f(),
      _cleanup: () => { for (const f of cleanups) f(); },
    };
    return t;
  }
  globalThis.test = (fn, name) => {
    if (typeof fn === 'string') return harnessTest(fn, name); // harness.js style
    register(name, () => { const t = makeT(); try { fn(t); } finally { t._cleanup(); } });
  };
  globalThis.promise_test = (fn, name) => {
    register(name, async () => { const t = makeT(); try { await fn(t); } finally { t._cleanup(); } });
  };
  globalThis.async_test = (fn, name) => {
    register(name, () => new Promise((resolve, reject) => {
      const t = makeT();
      t._resolve = resolve;
      const guard = setTimeout(() => reject(new Error('async_test timed out')), 5000);
      const oldDone = t.done;
      t.done = () => { clearTimeout(guard); oldDone(); };
      try { fn(t); } catch (e) { clearTimeout(guard); reject(e); }
    }));
  };
  globalThis.assert_equals = (a, e, m) => { if (!Object.is(a, e)) fail(`${m || 'assert_equals'}: expected ${show(e)} but got ${show(a)}`); };
  globalThis.assert_not_equals = (a, e, m) => { if (Object.is(a, e)) fail(`${m || 'assert_not_equals'}: got ${show(a)}`); };
  globalThis.assert_true = (v, m) => { if (v !== true) fail(`${m || 'assert_true'}: got ${show(v)}`); };
  globalThis.assert_false = (v, m) => { if (v !== false) fail(`${m || 'assert_false'}: got ${show(v)}`); };
  globalThis.assert_unreached = (m) => fail(`unreached: ${m}`);
  globalThis.assert_array_equals = (a, e, m) => {
    if (a === null || typeof a !== 'object' || a.length !== e.length) fail(`${m || 'assert_array_equals'}: lengths differ (${a && a.length} vs ${e.length})`);
    for (let i = 0; i < e.length; i++) if (!Object.is(a[i], e[i])) fail(`${m || 'assert_array_equals'}: [${i}] expected ${show(e[i])} but got ${show(a[i])}`);
  };
  globalThis.assert_class_string = (o, c, m) => {
    const s = Object.prototype.toString.call(o);
    if (s !== `[object ${c}]`) fail(`${m || 'assert_class_string'}: got ${s}`);
  };
  globalThis.assert_in_array = (v, arr, m) => { if (!arr.includes(v)) fail(`${m || 'assert_in_array'}: ${show(v)}`); };
  globalThis.assert_throws_js = (C, f, m) => {
    try { f(); } catch (e) {
      if (!(e instanceof C) || e.constructor !== C) fail(`${m || 'assert_throws_js'}: expected ${C.name} but got ${e && e.name}`);
      return;
    }
    fail(`${m || 'assert_throws_js'}: did not throw`);
  };
  globalThis.assert_throws_dom = (name, f, m) => {
    try { f(); } catch (e) {
      if (!(e instanceof DOMException) || e.name !== name) fail(`${m || 'assert_throws_dom'}: expected ${name} but got ${e && e.name}`);
      return;
    }
    fail(`${m || 'assert_throws_dom'}: did not throw`);
  };
  globalThis.assert_throws_exactly = (v, f, m) => {
    try { f(); } catch (e) { if (!Object.is(e, v)) fail(`${m || 'assert_throws_exactly'}: got ${show(e)}`); return; }
    fail(`${m || 'assert_throws_exactly'}: did not throw`);
  };
  const rejects = (check) => (t, want, p, m) => p.then(() => fail(`${m || 'promise_rejects'}: fulfilled`), (e) => check(want, e, m));
  globalThis.promise_rejects_js = rejects((C, e, m) => { if (!(e instanceof C)) fail(`${m || 'promise_rejects_js'}: expected ${C.name} but got ${e && e.name}`); });
  globalThis.promise_rejects_dom = rejects((n, e, m) => { if (!(e instanceof DOMException) || e.name !== n) fail(`${m || 'promise_rejects_dom'}: expected ${n} but got ${e && e.name}`); });
  globalThis.promise_rejects_exactly = rejects((v, e, m) => { if (!Object.is(e, v)) fail(`${m || 'promise_rejects_exactly'}: got ${show(e)}`); });
  // Registers a last test: every listed expected failure of the suites seen names a test.
  globalThis.wpt_done = () => {
    harnessTest('every listed expected failure names a test of this file', () => {
      const suites = new Set([...seen].map((k) => k.split('\t')[0]));
      for (const key of expected.keys()) {
        if (suites.has(key.split('\t')[0]) && !seen.has(key)) throw new Error(`listed but no such test: ${key}`);
      }
    });
  };
  globalThis.delay = (ms) => new Promise((r) => setTimeout(r, ms));
  globalThis.flushAsyncEvents = () => delay(0).then(() => delay(0)).then(() => delay(0));
})();
