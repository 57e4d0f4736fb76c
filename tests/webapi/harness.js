// Test harness for the webapi suites: test(name, fn) registers a (possibly async) test;
// the C driver calls __run(), which prints PASS/FAIL lines and "DONE n" through console.log.
(function () {
  'use strict';
  const tests = [];
  const show = (v) => {
    try {
      if (typeof v === 'string') return JSON.stringify(v);
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'object' && v !== null) return JSON.stringify(v);
      return String(v);
    } catch { return '<unprintable>'; }
  };
  globalThis.test = (name, fn) => { tests.push([name, fn]); };
  globalThis.assert = (cond, msg) => { if (!cond) throw new Error(msg || 'assertion failed'); };
  globalThis.assertEq = (actual, expected, msg) => {
    if (!Object.is(actual, expected)) {
      throw new Error(`${msg ? `${msg}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
    }
  };
  globalThis.assertArrayEq = (actual, expected, msg) => {
    const a = Array.from(actual), e = Array.from(expected);
    if (a.length !== e.length || a.some((x, i) => !Object.is(x, e[i]))) {
      throw new Error(`${msg ? `${msg}: ` : ''}expected [${e.map(show)}], got [${a.map(show)}]`);
    }
  };
  // Calls fn, which must throw; `check` is a constructor, a DOMException name, or a predicate.
  globalThis.assertThrows = (fn, check, msg) => {
    let threw = false, err;
    try { fn(); } catch (e) { threw = true; err = e; }
    if (!threw) throw new Error(`${msg ? `${msg}: ` : ''}expected an exception`);
    verify(err, check, msg);
    return err;
  };
  globalThis.assertRejects = async (promise, check, msg) => {
    let threw = false, err;
    try { await promise; } catch (e) { threw = true; err = e; }
    if (!threw) throw new Error(`${msg ? `${msg}: ` : ''}expected a rejection`);
    verify(err, check, msg);
    return err;
  };
  function verify(err, check, msg) {
    if (check === undefined) return;
    const ok = typeof check === 'string' ? err && err.name === check
      : check.prototype !== undefined ? err instanceof check : check(err);
    if (!ok) {
      throw new Error(`${msg ? `${msg}: ` : ''}wrong exception: ${err && err.name}: ${err && err.message}`);
    }
  }
  // The console lines since the last call (test-only native).
  globalThis.captured = () => __logs().map((l) => l[1]);
  globalThis.capture = (fn) => {
    __logs();
    fn();
    return __logs();
  };
  globalThis.__run = async () => {
    for (const [name, fn] of tests) {
      try {
        await fn();
        console.log(`PASS ${name}`);
      } catch (e) {
        let why;
        try { why = `${e && e.message}${e && e.stack ? ` @ ${e.stack.split('\n')[0]}` : ''}`; } catch { why = '?'; }
        console.log(`FAIL ${name}: ${why}`);
      }
    }
    console.log(`DONE ${tests.length}`);
  };
})();
