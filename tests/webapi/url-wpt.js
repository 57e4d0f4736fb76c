// WPT URL conformance: every vector of tests/webapi/wpt/{urltestdata,setters_tests,toascii,
// percent-encoding}.json (copied from web-platform-tests, see wpt/README.md) run through this
// realm's URL. Each file must pass >= 99% of its vectors; every failure must be listed in
// url-expected-failures.txt ("file<TAB>key<TAB>reason", key = JSON of the inputs) and every
// listed entry must still fail, so the list stays true. __readTestFile is a test-only native.
(function () {
  'use strict';
  const MIN_RATE = 0.99;
  const expected = new Map(); // "file\tkey" -> reason
  for (const line of __readTestFile('url-expected-failures.txt').split('\n')) {
    if (line === '' || line[0] === '#') continue;
    const [file, key, reason] = line.split('\t');
    if (!file || !key || !reason) throw new Error(`url-expected-failures.txt: bad line: ${line}`);
    expected.set(`${file}\t${key}`, reason);
  }
  const data = (name) => JSON.parse(__readTestFile(`wpt/${name}`));
  const same = (what, actual, want) => {
    if (actual !== want) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(actual)}`);
  };
  const ATTRS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port',
    'pathname', 'search', 'hash'];

  // Runs the vectors [key, fn] of one file; fn throws on a mismatch. Throws unless the
  // failures are exactly the ones listed for `file` and the pass rate is at least MIN_RATE.
  function check(file, vectors, listed = expected, quiet = false) {
    let pass = 0;
    const problems = [];
    const seen = new Set();
    for (const [key, fn] of vectors) {
      const id = `${file}\t${key}`;
      seen.add(id);
      let why = null;
      try { fn(); } catch (e) { why = `${e && e.message}`; }
      if (why === null) {
        pass++;
        if (listed.has(id)) problems.push(`listed as an expected failure but passes: ${key}`);
      } else if (!listed.has(id)) problems.push(`unexpected failure: ${key}: ${why}`);
    }
    for (const id of listed.keys()) {
      if (id.startsWith(`${file}\t`) && !seen.has(id)) problems.push(`listed but no such vector: ${id}`);
    }
    const rate = vectors.length ? pass / vectors.length : 0;
    if (!quiet) console.log(`url-wpt: ${file}: ${pass}/${vectors.length} vectors pass`);
    if (rate < MIN_RATE) problems.push(`pass rate ${(rate * 100).toFixed(2)}% < ${MIN_RATE * 100}%`);
    if (problems.length) throw new Error(`${file}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }

  test('the expected-failures check can fail', () => {
    const ok = () => {};
    const bad = () => { throw new Error('no'); };
    const many = (n) => Array.from({ length: n }, (_, i) => [`k${i}`, ok]);
    const throws = (fn, what) => {
      let msg = null;
      try { fn(); } catch (e) { msg = e.message; }
      if (msg === null || !msg.includes(what)) throw new Error(`expected "${what}", got ${msg}`);
    };
    check('f', [...many(199), ['b', bad]], new Map([['f\tb', 'why']]), true);
    throws(() => check('f', [...many(199), ['b', bad]], new Map(), true), 'unexpected failure: b');
    throws(() => check('f', many(200), new Map([['f\tk3', 'why']]), true), 'passes: k3');
    throws(() => check('f', many(10), new Map([['f\tgone', 'why']]), true), 'no such vector');
    throws(() => check('f', [...many(98), ['b', bad], ['c', bad]],
      new Map([['f\tb', 'x'], ['f\tc', 'y']]), true), 'pass rate');
  });

  test('wpt urltestdata.json', () => {
    const vectors = [];
    for (const t of data('urltestdata.json')) {
      if (typeof t === 'string') continue;
      const base = t.base === null || t.base === undefined ? undefined : t.base;
      vectors.push([JSON.stringify([t.input, t.base === undefined ? null : t.base]), () => {
        if (t.failure) {
          let threw = false;
          try { new URL(t.input, base); } catch (e) { threw = e instanceof TypeError; }
          if (!threw) throw new Error('expected a TypeError');
          same('canParse', URL.canParse(t.input, base), false);
          return;
        }
        const u = new URL(t.input, base);
        for (const a of ATTRS) same(a, u[a], t[a]);
        if ('origin' in t) same('origin', u.origin, t.origin);
        if ('searchParams' in t) same('searchParams', u.searchParams.toString(), t.searchParams);
        same('canParse', URL.canParse(t.input, base), true);
      }]);
    }
    check('urltestdata.json', vectors);
  });

  test('wpt setters_tests.json', () => {
    const vectors = [];
    const all = data('setters_tests.json');
    for (const setter of Object.keys(all)) {
      if (setter === 'comment') continue;
      for (const t of all[setter]) {
        vectors.push([JSON.stringify([setter, t.href, t.new_value]), () => {
          const u = new URL(t.href);
          u[setter] = t.new_value;
          for (const a of Object.keys(t.expected)) same(a, u[a], t.expected[a]);
        }]);
      }
    }
    check('setters_tests.json', vectors);
  });

  test('wpt toascii.json', () => {
    const vectors = [];
    for (const t of data('toascii.json')) {
      if (typeof t === 'string') continue;
      vectors.push([JSON.stringify(t.input), () => {
        if (t.output === null) {
          let threw = false;
          try { new URL(`https://${t.input}/x`); } catch (e) { threw = e instanceof TypeError; }
          if (!threw) throw new Error('constructor: expected a TypeError');
        } else {
          const u = new URL(`https://${t.input}/x`);
          same('host', u.host, t.output);
          same('hostname', u.hostname, t.output);
          same('pathname', u.pathname, '/x');
          same('href', u.href, `https://${t.output}/x`);
        }
        const v = new URL('https://x/x');
        v.host = t.input;
        same('host setter', v.host, t.output === null ? 'x' : t.output);
        const w = new URL('https://x/x');
        w.hostname = t.input;
        same('hostname setter', w.hostname, t.output === null ? 'x' : t.output);
      }]);
    }
    check('toascii.json', vectors);
  });

  test('wpt percent-encoding.json (utf-8)', () => {
    const vectors = [];
    for (const t of data('percent-encoding.json')) {
      if (typeof t === 'string') continue;
      vectors.push([JSON.stringify(t.input), () => {
        const u = new URL(`https://doesnotmatter.invalid/?${t.input}#${t.input}`);
        same('search', u.search, `?${t.output['utf-8']}`);
        same('hash', u.hash, `#${t.output['utf-8']}`);
      }]);
    }
    check('percent-encoding.json', vectors);
  });
})();
