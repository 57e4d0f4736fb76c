// WPT-style tests of Event, EventTarget, AbortController and AbortSignal, written after the
// cases of WPT's dom/events and dom/abort directories (not copies; see wpt/testharness.js).
'use strict';
wpt_suite('dom/events');

test(() => {
  const ev = new Event('test', { bubbles: true, cancelable: false });
  assert_equals(ev.type, 'test');
  assert_equals(ev.bubbles, true);
  assert_equals(ev.cancelable, false);
  assert_equals(ev.target, null);
  assert_equals(ev.currentTarget, null);
  assert_equals(ev.eventPhase, Event.NONE);
  assert_equals(ev.defaultPrevented, false);
  assert_equals(ev.isTrusted, false);
  assert_true(ev.timeStamp > 0 || ev.timeStamp === 0);
}, 'Event constructor with an init dictionary');

test(() => {
  assert_throws_js(TypeError, () => new Event());
  assert_equals(new Event(undefined).type, 'undefined');
  assert_equals(new Event(null).type, 'null');
  assert_equals(new Event(1).type, '1');
}, 'Event constructor: type is converted to a string and required');

test(() => {
  const ev = new Event('x', { cancelable: true });
  assert_true(ev.returnValue);
  ev.returnValue = false;
  assert_true(ev.defaultPrevented);
  assert_false(ev.returnValue);
  ev.returnValue = true;
  assert_true(ev.defaultPrevented, 'returnValue = true does not undo');
}, 'Event.returnValue');

test(() => {
  const ev = new Event('x');
  assert_false(ev.cancelBubble);
  ev.cancelBubble = true;
  assert_true(ev.cancelBubble);
  ev.cancelBubble = false;
  assert_true(ev.cancelBubble, 'setting false does nothing');
  const ev2 = new Event('x');
  ev2.stopPropagation();
  assert_true(ev2.cancelBubble);
}, 'Event.cancelBubble and stopPropagation');

test(() => {
  const target = new EventTarget();
  const ev = new Event('x');
  ev.stopPropagation();
  let called = false;
  target.addEventListener('x', () => { called = true; });
  assert_true(target.dispatchEvent(ev));
  assert_false(called, 'stopped before dispatch');
  assert_false(ev.cancelBubble, 'flags cleared after dispatch');
}, 'dispatchEvent of an event stopped before dispatch calls no listener');

test(() => {
  const ev = new Event('x', { cancelable: true });
  ev.initEvent('y', true, false);
  assert_equals(ev.type, 'y');
  assert_true(ev.bubbles);
  assert_false(ev.cancelable);
}, 'initEvent re-initialises');

test(() => {
  const target = new EventTarget();
  let inner;
  target.addEventListener('x', (e) => {
    e.initEvent('changed', true, true);
    inner = e.type;
  });
  const ev = new Event('x');
  target.dispatchEvent(ev);
  assert_equals(inner, 'x', 'initEvent during dispatch is ignored');
}, 'initEvent during dispatch does nothing');

test(() => {
  const target = new EventTarget();
  const ev = new Event('x');
  let path;
  target.addEventListener('x', (e) => { path = e.composedPath(); });
  target.dispatchEvent(ev);
  assert_array_equals(path, [target]);
  assert_array_equals(ev.composedPath(), []);
}, 'composedPath');

test(() => {
  const et = new EventTarget();
  assert_class_string(et, 'EventTarget');
  assert_equals(typeof et.addEventListener, 'function');
  assert_equals(et.dispatchEvent(new Event('x')), true);
}, 'EventTarget constructor');

test(() => {
  const et = new EventTarget();
  const order = [];
  const l1 = () => order.push(1);
  const l2 = { handleEvent() { order.push(2); } };
  et.addEventListener('x', l1);
  et.addEventListener('x', l2);
  et.addEventListener('x', l1);
  et.dispatchEvent(new Event('x'));
  assert_array_equals(order, [1, 2]);
}, 'addEventListener ignores duplicates, keeps order');

test(() => {
  const et = new EventTarget();
  let thisVal;
  const obj = { handleEvent() { thisVal = this; } };
  et.addEventListener('x', obj);
  et.dispatchEvent(new Event('x'));
  assert_equals(thisVal, obj);
}, 'handleEvent is called with the listener object as this');

test(() => {
  const et = new EventTarget();
  let calls = 0;
  const l = () => { calls++; };
  et.addEventListener('x', l, { once: true });
  et.addEventListener('x', l, { once: true });
  et.dispatchEvent(new Event('x'));
  et.dispatchEvent(new Event('x'));
  assert_equals(calls, 1);
}, 'once listeners run once');

test(() => {
  const et = new EventTarget();
  let calls = 0;
  et.addEventListener('x', function l() { calls++; et.dispatchEvent(new Event('x')); }, { once: true });
  et.dispatchEvent(new Event('x'));
  assert_equals(calls, 1, 'removed before it runs');
}, 'once listener removed before being invoked (reentrant dispatch)');

test(() => {
  const et = new EventTarget();
  let passiveSeen;
  et.addEventListener('x', (e) => { e.preventDefault(); passiveSeen = e.defaultPrevented; }, { passive: true });
  const ev = new Event('x', { cancelable: true });
  assert_true(et.dispatchEvent(ev));
  assert_false(passiveSeen);
}, 'preventDefault in a passive listener is ignored');

test(() => {
  const et = new EventTarget();
  const c = new AbortController();
  let n = 0;
  et.addEventListener('x', () => { n++; }, { signal: c.signal });
  et.dispatchEvent(new Event('x'));
  c.abort();
  et.dispatchEvent(new Event('x'));
  assert_equals(n, 1);
  et.addEventListener('x', () => { n++; }, { signal: c.signal });
  et.dispatchEvent(new Event('x'));
  assert_equals(n, 1, 'an aborted signal adds nothing');
}, 'addEventListener with an AbortSignal');

test(() => {
  const et = new EventTarget();
  const c = new AbortController();
  let n = 0;
  const l = () => { n++; };
  et.addEventListener('x', l, { signal: c.signal });
  et.removeEventListener('x', l);
  et.addEventListener('x', l);
  c.abort();
  et.dispatchEvent(new Event('x'));
  assert_equals(n, 1, 'the re-added listener is not removed by the old signal');
}, 'an AbortSignal only removes the listener it was registered with');

test(() => {
  const et = new EventTarget();
  assert_throws_js(TypeError, () => et.addEventListener('x', () => {}, { signal: null }));
  assert_throws_js(TypeError, () => et.addEventListener('x', null, { signal: null }), 'checked before the null listener');
  et.addEventListener('x', () => {}, { signal: undefined });
}, 'signal: null is a TypeError, undefined is none');

test(() => {
  const et = new EventTarget();
  const c = new AbortController();
  let n = 0;
  const h = () => { n++; };
  et.addEventListener('a', h, { signal: c.signal, once: true });
  et.addEventListener('b', h, { signal: c.signal, capture: true });
  c.abort();
  et.dispatchEvent(new Event('a'));
  et.dispatchEvent(new Event('b'));
  assert_equals(n, 0);
}, 'one signal removes listeners of several types, with once and capture');

test(() => {
  const et = new EventTarget();
  const c = new AbortController();
  let n = 0;
  et.addEventListener('x', () => { c.abort(); }, { signal: c.signal });
  et.addEventListener('x', () => { n++; }, { signal: c.signal });
  et.dispatchEvent(new Event('x'));
  assert_equals(n, 0, 'a listener removed during dispatch is not called');
  const et2 = new EventTarget();
  const c2 = new AbortController();
  et2.addEventListener('x', () => {
    et2.addEventListener('x', () => { n++; }, { signal: c2.signal });
    c2.abort();
  }, { signal: c2.signal });
  et2.dispatchEvent(new Event('x'));
  assert_equals(n, 0, 'added then aborted inside a listener');
}, 'aborting from inside a listener');

test(() => {
  const et = new EventTarget();
  const ac = new AbortController();
  let count = 0;
  et.addEventListener('foo', () => {
    et.addEventListener('foo', () => {
      count++;
      if (count > 5) ac.abort();
      et.dispatchEvent(new Event('foo'));
    }, { signal: ac.signal });
    et.dispatchEvent(new Event('foo'));
  }, { once: true });
  et.dispatchEvent(new Event('foo'));
  assert_equals(count, 6);
}, 'aborting from a nested listener removes it');

test(() => {
  const et = new EventTarget();
  const ev = new Event('x');
  et.addEventListener('x', () => {
    assert_throws_dom('InvalidStateError', () => et.dispatchEvent(ev));
  });
  et.dispatchEvent(ev);
}, 'dispatching an event being dispatched is an InvalidStateError');

test(() => {
  const et = new EventTarget();
  const ev = new CustomEvent('c', { detail: 5 });
  let d;
  et.addEventListener('c', (e) => { d = e.detail; });
  et.dispatchEvent(ev);
  assert_equals(d, 5);
  assert_class_string(ev, 'CustomEvent');
}, 'CustomEvent detail through dispatch');

test(() => {
  class MyTarget extends EventTarget {}
  const t = new MyTarget();
  let target;
  t.addEventListener('x', (e) => { target = e.target; });
  t.dispatchEvent(new Event('x'));
  assert_equals(target, t);
}, 'EventTarget subclasses');

test((t) => {
  for (const p of ['bubbles', 'cancelable', 'composed', 'detail']) {
    Object.defineProperty(Object.prototype, p, { get() { throw new Error(`${p} read`); }, configurable: true });
  }
  t.add_cleanup(() => { for (const p of ['bubbles', 'cancelable', 'composed', 'detail']) delete Object.prototype[p]; });
  const e = new Event('x');
  const c = new CustomEvent('y');
  for (const p of ['bubbles', 'cancelable', 'composed', 'detail']) delete Object.prototype[p];
  assert_false(e.bubbles);
  assert_equals(c.detail, null);
}, 'an absent EventInit reads nothing from Object.prototype');

wpt_suite('dom/abort');

test(() => {
  const c = new AbortController();
  const s = c.signal;
  assert_equals(c.signal, s, 'same signal every time');
  assert_false(s.aborted);
  assert_equals(s.reason, undefined);
  assert_equals(s.onabort, null);
  let events = 0;
  s.onabort = (e) => { events++; assert_equals(e.type, 'abort'); assert_false(e.cancelable); assert_true(e.isTrusted); };
  c.abort();
  assert_true(s.aborted);
  assert_equals(events, 1);
  c.abort();
  assert_equals(events, 1, 'abort twice fires once');
}, 'AbortController abort() fires abort once');

test(() => {
  const c = new AbortController();
  c.abort();
  assert_true(c.signal.reason instanceof DOMException);
  assert_equals(c.signal.reason.name, 'AbortError');
  const c2 = new AbortController();
  c2.abort(null);
  assert_equals(c2.signal.reason, null);
  const c3 = new AbortController();
  const r = new Error('r');
  c3.abort(r);
  assert_equals(c3.signal.reason, r);
}, 'abort reasons');

test(() => {
  const s = AbortSignal.abort();
  assert_true(s.aborted);
  assert_equals(s.reason.name, 'AbortError');
  assert_throws_dom('AbortError', () => s.throwIfAborted());
  const e = new Error('e');
  assert_throws_exactly(e, () => AbortSignal.abort(e).throwIfAborted());
}, 'AbortSignal.abort and throwIfAborted');

test(() => {
  const c = new AbortController();
  const s = c.signal;
  let reasonInEvent;
  s.addEventListener('abort', () => { reasonInEvent = s.reason; });
  c.abort('why');
  assert_equals(reasonInEvent, 'why');
}, 'the reason is set before the abort event');

test(() => {
  assert_throws_js(TypeError, () => new AbortSignal());
  assert_class_string(new AbortController().signal, 'AbortSignal');
}, 'AbortSignal is not constructible');

async_test((t) => {
  const s = AbortSignal.timeout(10);
  s.onabort = t.step_func_done(() => {
    assert_true(s.aborted);
    assert_equals(s.reason.name, 'TimeoutError');
    assert_true(s.reason instanceof DOMException);
  });
}, 'AbortSignal.timeout aborts with a TimeoutError');

test(() => {
  const c = new AbortController();
  const s = AbortSignal.any([c.signal]);
  assert_not_equals(s, c.signal);
  let fired = false;
  s.onabort = (e) => { assert_equals(e.target, s); fired = true; };
  c.abort('r');
  assert_true(fired);
  assert_equals(s.reason, 'r');
}, 'AbortSignal.any follows a single signal');

test(() => {
  const cs = [new AbortController(), new AbortController(), new AbortController()];
  cs[1].abort('1');
  cs[2].abort('2');
  assert_equals(AbortSignal.any(cs.map((c) => c.signal)).reason, '1');
}, 'AbortSignal.any of aborted signals takes the first reason');

test(() => {
  const c = new AbortController();
  const s = AbortSignal.any([c.signal, c.signal]);
  c.abort('x');
  assert_equals(s.reason, 'x');
}, 'AbortSignal.any can take the same signal twice');

test(() => {
  const c = new AbortController();
  let combined = AbortSignal.any([c.signal]);
  for (let i = 0; i < 3; i++) combined = AbortSignal.any([combined]);
  let fired = false;
  combined.onabort = () => { fired = true; };
  c.abort('deep');
  assert_true(fired);
  assert_equals(combined.reason, 'deep');
}, 'AbortSignal.any through intermediate signals');

test(() => {
  const c = new AbortController();
  const signals = [c.signal];
  signals.push(AbortSignal.any([c.signal]));
  signals.push(AbortSignal.any([c.signal]));
  signals.push(AbortSignal.any([signals[0]]));
  signals.push(AbortSignal.any([signals[1]]));
  let order = '';
  signals.forEach((s, i) => s.addEventListener('abort', () => { order += i; }));
  c.abort();
  assert_equals(order, '01234');
}, 'abort events of AbortSignal.any signals fire in order');

test(() => {
  const c = new AbortController();
  const dependent = AbortSignal.any([c.signal]);
  let seen;
  c.signal.addEventListener('abort', () => { seen = [dependent.aborted, dependent.reason]; });
  c.abort('r');
  assert_array_equals(seen, [true, 'r'], 'dependents are aborted before the source fires');
}, 'dependent signals are marked aborted before any abort event');

wpt_done();
