// console formatting (Node's util.format / util.inspect) and methods.
const line = (...args) => {
  const l = capture(() => console.log(...args));
  assertEq(l.length, 1, 'one line');
  return l[0][1];
};

test('primitives at top level', () => {
  assertEq(line('a', 1, true, null, undefined), 'a 1 true null undefined');
  assertEq(line(-0, 10n, Symbol('s')), '-0 10n Symbol(s)');
  assertEq(line(), '');
});
test('objects and arrays', () => {
  assertEq(line({ a: 1, b: 'x' }), "{ a: 1, b: 'x' }");
  assertEq(line([1, 2, 3]), '[ 1, 2, 3 ]');
  assertEq(line({}), '{}');
  assertEq(line([]), '[]');
  assertEq(line({ 'a-b': 1, [Symbol('k')]: 2 }), "{ 'a-b': 1, [Symbol(k)]: 2 }");
  assertEq(line({ s: "it's" }), `{ s: "it's" }`);
  assertEq(line({ s: 'a\nb' }), "{ s: 'a\\nb' }");
});
test('nesting stops at depth 2', () => {
  assertEq(line({ a: { b: { c: { d: 1 } } } }), '{ a: { b: { c: [Object] } } }');
  assertEq(line([[[[1]]]]), '[ [ [ [Array] ] ] ]');
});
test('long arrays are truncated and grouped', () => {
  const l = line(Array.from({ length: 1000 }, (_, i) => i));
  assert(l.endsWith('... 900 more items\n]'), l.slice(-40));
  assertEq(line([1, 2, 3, 4, 5, 6, 7]), '[\n  1, 2, 3, 4,\n  5, 6, 7\n]');
  assertEq(line([1, , 3]), '[ 1, <1 empty item>, 3 ]');
});
test('built-in types', () => {
  assertEq(line(new Map([['a', 1]])), "Map(1) { 'a' => 1 }");
  assertEq(line(new Set([1, 'a'])), "Set(2) { 1, 'a' }");
  assertEq(line(new Date(0)), '1970-01-01T00:00:00.000Z');
  assertEq(line(new Date(NaN)), 'Invalid Date');
  assertEq(line(/ab+c/gi), '/ab+c/gi');
  assertEq(line(new Uint8Array([1, 2, 3])), 'Uint8Array(3) [ 1, 2, 3 ]');
  assertEq(line(new ArrayBuffer(2)), 'ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 }');
  assertEq(line(new Number(3), new String('ab')), "[Number: 3] [String: 'ab']");
  assertEq(line(new WeakMap()), 'WeakMap { <items unknown> }');
  assertEq(line(Object.create(null)), '[Object: null prototype] {}');
});
test('functions and classes', () => {
  function foo() {}
  class A {}
  class B extends A {}
  assertEq(line(foo), '[Function: foo]');
  assertEq(line(() => {}), '[Function (anonymous)]');
  assertEq(line(A), '[class A]');
  assertEq(line(B), '[class B extends A]');
  assertEq(line(async function af() {}), '[AsyncFunction: af]');
  assertEq(line(new B()), 'B {}');
  assertEq(line({ f: foo }), '{ f: [Function: foo] }');
});
test('errors print their stack', () => {
  const l = line(new TypeError('boom'));
  assert(l.startsWith('TypeError: boom\n    at '), l);
  const e = new Error('x', { cause: 'why' });
  assert(line(e).includes("[cause]: 'why'"), line(e));
  assert(line(new DOMException('m', 'DataCloneError')).startsWith('DataCloneError: m'));
});
test('getters are not invoked', () => {
  let called = false;
  assertEq(line({ get a() { called = true; return 1; }, set b(v) {} }), '{ a: [Getter], b: [Setter] }');
  assert(!called);
});
test('circular references', () => {
  const o = { a: 1 };
  o.self = o;
  assertEq(line(o), '<ref *1> { a: 1, self: [Circular *1] }');
  const arr = [1];
  arr.push(arr);
  assertEq(line(arr), '<ref *1> [ 1, [Circular *1] ]');
});
test('format specifiers', () => {
  assertEq(line('%s is %d years', 'Bob', 42), 'Bob is 42 years');
  assertEq(line('%i %f', '42.5', '1.5'), '42 1.5');
  assertEq(line('%j', { a: [1] }), '{"a":[1]}');
  const c = { a: 1 };
  c.c = c;
  assertEq(line('%j', c), '[Circular]');
  assertEq(line('%o', { a: 1 }), '{ a: 1 }');
  assertEq(line('%O', { a: 1 }), '{ a: 1 }');
  assertEq(line('%c styled', 'color: red'), ' styled');
  assertEq(line('100%% sure'), '100%% sure');
  assertEq(line('100%% %s', 'sure'), '100% sure');
  assertEq(line('%s', { a: 1 }), '{ a: 1 }');
  assertEq(line('%d', 5n), '5n');
  assertEq(line('%s', { toString() { return 'custom'; } }), 'custom');
  assertEq(line('%s:%s', 'a'), 'a:%s');
  assertEq(line('a', { b: 1 }, 'c'), "a { b: 1 } c");
});
test('hostile values never throw', () => {
  const p = new Proxy({}, { ownKeys() { throw new Error('trap'); } });
  const l = capture(() => console.log(p, { get x() { throw 1; } }, { toString() { throw 1; } }));
  assertEq(l.length, 1);
  const r = Proxy.revocable({}, {});
  r.revoke();
  assertEq(capture(() => console.log(r.proxy)).length, 1);
  assertEq(capture(() => console.log('%s', { toString() { throw 1; } })).length, 1);
  assertEq(capture(() => console.log('%d', { valueOf() { throw 1; } })).length, 1);
});
test('levels', () => {
  const l = capture(() => {
    console.info('i'); console.warn('w'); console.error('e'); console.debug('d');
  });
  assertEq(l.map((x) => x[0]).join(), 'info,warn,error,debug');
  const t = capture(() => console.trace('here'));
  assertEq(t[0][0], 'debug');
  assert(t[0][1].startsWith('Trace: here\n    at '), t[0][1]);
});
test('assert, count, time', () => {
  assertEq(capture(() => console.assert(true, 'x')).length, 0);
  const a = capture(() => { console.assert(false, 'bad %s', 'thing'); console.assert(false); });
  assertEq(a[0][1], 'Assertion failed: bad thing');
  assertEq(a[0][0], 'error');
  assertEq(a[1][1], 'Assertion failed');
  const c = capture(() => { console.count(); console.count(); console.count('x'); console.countReset(); console.count(); console.countReset('nope'); });
  assertEq(c.map((x) => x[1]).join('|'), "default: 1|default: 2|x: 1|default: 1|Count for 'nope' does not exist");
  const t = capture(() => { console.time('t'); console.timeLog('t', 'mid'); console.timeEnd('t'); console.timeEnd('t'); });
  assert(/^t: \d+\.\d{3}ms mid$/.test(t[0][1]), t[0][1]);
  assert(/^t: \d+\.\d{3}ms$/.test(t[1][1]), t[1][1]);
  assertEq(t[2][1], "No such label 't' for console.timeEnd()");
});
test('group indentation', () => {
  const l = capture(() => {
    console.group('G');
    console.log('a\nb');
    console.group();
    console.log('c');
    console.groupEnd();
    console.groupEnd();
    console.groupEnd();
    console.log('d');
  });
  assertEq(l.map((x) => x[1]).join('|'), 'G|  a\n  b|    c|d');
});
test('table and dir', () => {
  const l = capture(() => console.table([{ a: 1, b: 'x' }, { a: 2 }]));
  assertEq(l[0][1], [
    '┌─────────┬───┬─────┐',
    '│ (index) │ a │ b   │',
    '├─────────┼───┼─────┤',
    "│ 0       │ 1 │ 'x' │",
    '│ 1       │ 2 │     │',
    '└─────────┴───┴─────┘'].join('\n'));
  assertEq(capture(() => console.table('plain'))[0][1], 'plain');
  assertEq(capture(() => console.dir({ a: { b: { c: {} } } }, { depth: 0 }))[0][1], '{ a: [Object] }');
});
test('console is not enumerable on globalThis and methods are own', () => {
  assert(!Object.keys(globalThis).includes('console'));
  assertEq(typeof console.log, 'function');
  assertEq(console.log.name, 'log');
});
