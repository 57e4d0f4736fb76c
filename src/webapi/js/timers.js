// queueMicrotask and the timer functions (HTML "timer initialisation steps", minus string
// callbacks: a non-function callback is a TypeError, as in Cloudflare Workers).
(function (H, P, load) {
  'use strict';
  const { Promise, Reflect, TypeError, Number, globalThis } = P;
  const apply = Reflect.apply;
  const then = Promise.prototype.then;
  const resolved = Promise.resolve();

  function queueMicrotask(callback) {
    if (arguments.length === 0) throw new TypeError("queueMicrotask requires 1 argument");
    if (typeof callback !== 'function') {
      throw new TypeError("queueMicrotask: parameter 1 is not of type 'Function'");
    }
    // An exception in the callback surfaces as an unhandled rejection (reported by the host).
    apply(then, resolved, [() => { callback(); }]);
  }

  // WebIDL `long` conversion of the delay; negative or NaN means 0.
  function delay(ms) {
    let n = ms === undefined ? 0 : Number(ms);
    n = n | 0;
    return n < 0 ? 0 : n;
  }

  function start(name, handler, ms, args, repeat) {
    if (typeof handler !== 'function') {
      throw new TypeError(`${name}: parameter 1 is not of type 'Function'`);
    }
    const d = delay(ms);
    const fn = args.length === 0 ? () => { apply(handler, globalThis, []); }
      : () => { apply(handler, globalThis, args); };
    return H.timerSet(fn, d, repeat);
  }

  function clear(id) {
    if (id === undefined || id === null) return;
    let n;
    try { n = Number(id); } catch { return; }
    if (n > 0 && n === n) H.timerClear(n);
  }

  function setTimeout(handler, ms = 0, ...args) { return start('setTimeout', handler, ms, args, false); }
  function setInterval(handler, ms = 0, ...args) { return start('setInterval', handler, ms, args, true); }
  function clearTimeout(id) { clear(id); }
  function clearInterval(id) { clear(id); }

  return { __proto__: null, queueMicrotask, setTimeout, setInterval, clearTimeout, clearInterval };
})
