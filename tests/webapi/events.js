// Event, CustomEvent, EventTarget, AbortController, AbortSignal.
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('Event basics', () => {
  const e = new Event('x', { bubbles: true, cancelable: true });
  assertEq(e.type, 'x');
  assertEq(e.bubbles, true);
  assertEq(e.cancelable, true);
  assertEq(e.composed, false);
  assertEq(e.eventPhase, Event.NONE);
  assertEq(e.target, null);
  assertEq(e.isTrusted, false);
  assertEq(typeof e.timeStamp, 'number');
  e.preventDefault();
  assertEq(e.defaultPrevented, true);
  assertEq(e.returnValue, false);
  assertEq(Object.prototype.toString.call(e), '[object Event]');
  assertThrows(() => new Event(), TypeError);
  assertThrows(() => Event.prototype.type, TypeError);
  assertEq(new Event('y').cancelable, false);
  const n = new Event('n');
  n.preventDefault();
  assertEq(n.defaultPrevented, false, 'not cancelable');
  assertEq(Event.AT_TARGET, 2);
});

test('CustomEvent detail', () => {
  const e = new CustomEvent('c', { detail: { a: 1 } });
  assertEq(e.detail.a, 1);
  assert(e instanceof Event);
  assertEq(new CustomEvent('c').detail, null);
  assertThrows(() => Reflect.get(CustomEvent.prototype, 'detail', new Event('x')), TypeError);
});

test('addEventListener, dispatchEvent, this/target/currentTarget', () => {
  const t = new EventTarget();
  const seen = [];
  function f(e) { seen.push([this === t, e.target === t, e.currentTarget === t, e.eventPhase]); }
  t.addEventListener('x', f);
  t.addEventListener('x', f); // duplicate ignored
  const e = new Event('x');
  assertEq(t.dispatchEvent(e), true);
  assertEq(JSON.stringify(seen), '[[true,true,true,2]]');
  assertEq(e.currentTarget, null);
  assertEq(e.eventPhase, 0);
  assertEq(e.target, t);
  t.removeEventListener('x', f);
  t.dispatchEvent(new Event('x'));
  assertEq(seen.length, 1);
});

test('capture listeners run first; capture flag distinguishes listeners', () => {
  const t = new EventTarget();
  const order = [];
  const f = () => order.push('f');
  t.addEventListener('x', () => order.push('bubble'));
  t.addEventListener('x', () => order.push('capture'), { capture: true });
  t.addEventListener('x', f, true);
  t.addEventListener('x', f, false);
  t.dispatchEvent(new Event('x'));
  assertEq(order.join(), 'capture,f,bubble,f');
  t.removeEventListener('x', f, { capture: true });
  order.length = 0;
  t.dispatchEvent(new Event('x'));
  assertEq(order.join(), 'capture,bubble,f');
});

test('once, signal, handleEvent objects, null callback', () => {
  const t = new EventTarget();
  let n = 0;
  t.addEventListener('x', () => n++, { once: true });
  t.dispatchEvent(new Event('x'));
  t.dispatchEvent(new Event('x'));
  assertEq(n, 1);
  const ac = new AbortController();
  let m = 0;
  t.addEventListener('y', () => m++, { signal: ac.signal });
  t.dispatchEvent(new Event('y'));
  ac.abort();
  t.dispatchEvent(new Event('y'));
  assertEq(m, 1);
  let k = 0;
  t.addEventListener('y', () => k++, { signal: AbortSignal.abort() });
  t.dispatchEvent(new Event('y'));
  assertEq(k, 0, 'aborted signal: not added');
  const obj = { count: 0, handleEvent(e) { this.count++; assertEq(this, obj); } };
  t.addEventListener('z', obj);
  t.dispatchEvent(new Event('z'));
  assertEq(obj.count, 1);
  t.addEventListener('z', null);
  assertThrows(() => t.addEventListener('z', () => {}, { signal: 1 }), TypeError);
  assertThrows(() => t.addEventListener('z', 5), TypeError);
});

test('handleEvent looked up at dispatch; late changes seen', () => {
  const t = new EventTarget();
  const obj = {};
  let got = 0;
  t.addEventListener('x', obj);
  obj.handleEvent = () => { got++; };
  t.dispatchEvent(new Event('x'));
  assertEq(got, 1);
});

test('stopImmediatePropagation, preventDefault and passive', () => {
  const t = new EventTarget();
  const order = [];
  t.addEventListener('x', (e) => { order.push(1); e.stopImmediatePropagation(); });
  t.addEventListener('x', () => order.push(2));
  const e = new Event('x', { cancelable: true });
  t.dispatchEvent(e);
  assertEq(order.join(), '1');
  const u = new EventTarget();
  u.addEventListener('p', (ev) => ev.preventDefault(), { passive: true });
  assertEq(u.dispatchEvent(new Event('p', { cancelable: true })), true);
  u.addEventListener('p', (ev) => ev.preventDefault());
  assertEq(u.dispatchEvent(new Event('p', { cancelable: true })), false);
});

test('listener exceptions do not stop dispatch; they are logged as uncaught', () => {
  const t = new EventTarget();
  let after = false;
  t.addEventListener('x', () => { throw new Error('boom'); });
  t.addEventListener('x', { get handleEvent() { throw new Error('getter'); } });
  t.addEventListener('x', { handleEvent: 5 });
  t.addEventListener('x', () => { throw { toString() { throw 1; }, get stack() { throw 2; } }; });
  t.addEventListener('x', () => { throw 'x'.repeat(1e6); });
  t.addEventListener('x', () => { after = true; });
  const logs = capture(() => t.dispatchEvent(new Event('x')));
  assert(after);
  assertEq(logs.length, 5);
  assert(logs.every((l) => l[0] === 'error' && l[1].startsWith('Uncaught ')), JSON.stringify(logs.map((l) => l[1].slice(0, 40))));
  assert(logs[0][1].includes('Error: boom'));
  assert(logs[1][1].includes('getter'));
  assert(logs[2][1].includes('TypeError'));
  assert(logs[4][1].length <= 65536);
});

test('re-dispatch while dispatching is an InvalidStateError; reentrancy on other events', () => {
  const t = new EventTarget();
  const e = new Event('x');
  let inner = null;
  let depth = 0;
  t.addEventListener('x', (ev) => {
    try { t.dispatchEvent(ev); } catch (err) { inner = err; }
    if (depth++ < 3) t.dispatchEvent(new Event('x'));
  });
  t.dispatchEvent(e);
  assertEq(inner && inner.name, 'InvalidStateError');
  assertEq(depth, 4);
  assertThrows(() => t.dispatchEvent({}), TypeError);
  assertThrows(() => EventTarget.prototype.dispatchEvent.call({}, new Event('x')), TypeError);
});

test('listener added during dispatch does not run; removed one does not run', () => {
  const t = new EventTarget();
  const order = [];
  const b = () => order.push('b');
  t.addEventListener('x', () => { order.push('a'); t.addEventListener('x', () => order.push('c')); t.removeEventListener('x', b); });
  t.addEventListener('x', b);
  t.dispatchEvent(new Event('x'));
  assertEq(order.join(), 'a');
});

test('EventTarget is subclassable; hostile type and option getters', () => {
  class My extends EventTarget { }
  const m = new My();
  let got = 0;
  m.addEventListener('q', () => got++);
  m.dispatchEvent(new Event('q'));
  assertEq(got, 1);
  assertThrows(() => m.addEventListener({ toString() { throw new RangeError('t'); } }, () => {}), RangeError);
  assertThrows(() => m.addEventListener('q', () => {}, { get once() { throw new SyntaxError('o'); } }), SyntaxError);
});

test('AbortController / AbortSignal', () => {
  const ac = new AbortController();
  const s = ac.signal;
  assertEq(s.aborted, false);
  assertEq(s.reason, undefined);
  s.throwIfAborted();
  let events = 0, handler = 0;
  s.addEventListener('abort', (e) => { events++; assertEq(e.type, 'abort'); assertEq(e.target, s); });
  s.onabort = () => handler++;
  ac.abort();
  ac.abort();
  assertEq(events, 1);
  assertEq(handler, 1);
  assertEq(s.aborted, true);
  assertEq(s.reason.name, 'AbortError');
  assert(s.reason instanceof DOMException);
  assertThrows(() => s.throwIfAborted(), 'AbortError');
  const r = new AbortController();
  r.abort('why');
  assertEq(r.signal.reason, 'why');
  assertThrows(() => new AbortSignal(), TypeError);
  assert(s instanceof EventTarget);
  assertEq(Object.prototype.toString.call(s), '[object AbortSignal]');
  assertEq(AbortSignal.abort().reason.name, 'AbortError');
  assertEq(AbortSignal.abort(7).reason, 7);
});

test('onabort attribute: null removes, non-callable ignored', () => {
  const ac = new AbortController();
  let n = 0;
  ac.signal.onabort = () => n++;
  ac.signal.onabort = null;
  assertEq(ac.signal.onabort, null);
  ac.signal.onabort = 5;
  assertEq(ac.signal.onabort, null);
  ac.abort();
  assertEq(n, 0);
});

test('AbortSignal.timeout fires a TimeoutError', async () => {
  const s = AbortSignal.timeout(10);
  assertEq(s.aborted, false);
  const e = await new Promise((r) => s.addEventListener('abort', () => r(s.reason)));
  assertEq(e.name, 'TimeoutError');
  assertThrows(() => AbortSignal.timeout(-1), TypeError);
  assertThrows(() => AbortSignal.timeout(NaN), TypeError);
  assertThrows(() => AbortSignal.timeout(), TypeError);
});

test('AbortSignal.any', async () => {
  const a = new AbortController(), b = new AbortController();
  const any = AbortSignal.any([a.signal, b.signal]);
  const nested = AbortSignal.any([any]);
  assertEq(any.aborted, false);
  let fired = 0;
  nested.onabort = () => { fired++; assertEq(nested.reason, 'B'); };
  b.abort('B');
  assertEq(any.aborted, true);
  assertEq(any.reason, 'B');
  assertEq(nested.aborted, true);
  assertEq(fired, 1);
  a.abort('A');
  assertEq(any.reason, 'B');
  assertEq(AbortSignal.any([AbortSignal.abort('x')]).reason, 'x');
  assertEq(AbortSignal.any([]).aborted, false);
  assertThrows(() => AbortSignal.any([{}]), TypeError);
  assertThrows(() => AbortSignal.any(5), TypeError);
  const t = AbortSignal.any([AbortSignal.timeout(5)]);
  await tick(10);
  assertEq(t.reason.name, 'TimeoutError');
});

test('AbortSignal.any with a long-lived source does not grow without bound', () => {
  const ac = new AbortController();
  for (let i = 0; i < 5000; i++) AbortSignal.any([ac.signal]);
  ac.abort();
});

test('an abort listener that aborts another controller (reentrancy)', () => {
  const a = new AbortController(), b = new AbortController();
  a.signal.addEventListener('abort', () => b.abort('chained'));
  b.signal.addEventListener('abort', () => a.abort('again'));
  a.abort('first');
  assertEq(a.signal.reason, 'first');
  assertEq(b.signal.reason, 'chained');
});

test('replacing globals does not break the APIs', () => {
  const saved = globalThis.Array;
  globalThis.Array = function () { throw new Error('hijacked'); };
  try {
    const t = new EventTarget();
    let n = 0;
    t.addEventListener('x', () => n++);
    t.dispatchEvent(new Event('x'));
    assertEq(n, 1);
  } finally {
    globalThis.Array = saved;
  }
});

test('onabort works when the guest replaced EventTarget methods and Function.prototype.call', () => {
  const savedAdd = EventTarget.prototype.addEventListener;
  const savedCall = Function.prototype.call;
  EventTarget.prototype.addEventListener = () => { throw new Error('hijacked'); };
  Function.prototype.call = () => { throw new Error('hijacked call'); };
  let fired = 0;
  try {
    const ac = new AbortController();
    ac.signal.onabort = () => { fired++; };
    ac.abort();
  } finally {
    Function.prototype.call = savedCall;
    EventTarget.prototype.addEventListener = savedAdd;
  }
  assertEq(fired, 1);
});
