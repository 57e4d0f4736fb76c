// Event, CustomEvent, EventTarget (DOM Standard, without a node tree: an event's path is its
// target alone), AbortController and AbortSignal (incl. timeout() through the host timers
// and any()).
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, RangeError, Promise, Number, Math, WeakRef, Set,
    Array } = P;
  const apply = Reflect.apply;
  const DOMException = () => load('DOMException');
  const defineTag = (C, tag) => Object.defineProperty(C.prototype, Symbol.toStringTag,
                                                       { value: tag, configurable: true });
  const setAdd = (s, v) => apply(Set.prototype.add, s, [v]);
  const setDelete = (s, v) => apply(Set.prototype.delete, s, [v]);
  const setValues = (s) => apply(Array.from, Array, [s]);
  // "Report the exception": an exception of a listener never reaches dispatchEvent's caller;
  // it is logged at level error as "Uncaught …" (formatted like console.error), as Workers do.
  const MAX_REPORT = 65536;
  const report = (e) => {
    let msg;
    try { msg = `Uncaught ${load('%inspect').format([e])}`; } catch { msg = 'Uncaught exception in an event listener'; }
    if (msg.length > MAX_REPORT) msg = apply(P.String.prototype.slice, msg, [0, MAX_REPORT]);
    try { H.log('error', msg); } catch { /* nothing left to do */ }
  };
  const MAX_LISTENERS = 100000; // per target, all types together
  const EMPTY = Object.freeze({ __proto__: null });

  // ---- Event --------------------------------------------------------------------------------

  const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;
  let eventState; // (event) -> its state, or a TypeError

  class Event {
    #s;
    static {
      eventState = (e) => {
        if (e === null || typeof e !== 'object' || !(#s in e)) throw new TypeError('Illegal invocation');
        return e.#s;
      };
    }
    constructor(type, eventInitDict = undefined) {
      if (arguments.length === 0) throw new TypeError("Event: 1 argument required, but only 0 present.");
      if (eventInitDict !== undefined && eventInitDict !== null && typeof eventInitDict !== 'object' &&
          typeof eventInitDict !== 'function') {
        throw new TypeError("Event: parameter 2 is not of type 'EventInit'");
      }
      const init = eventInitDict || EMPTY; // an absent dictionary reads nothing
      this.#s = {
        type: `${type}`, bubbles: !!init.bubbles, cancelable: !!init.cancelable,
        composed: !!init.composed, target: null, currentTarget: null, phase: NONE,
        stop: false, stopNow: false, canceled: false, passive: false, dispatching: false,
        initialized: true, timeStamp: H.now(), trusted: false,
      };
    }
    get type() { return eventState(this).type; }
    get target() { return eventState(this).target; }
    get srcElement() { return eventState(this).target; }
    get currentTarget() { return eventState(this).currentTarget; }
    composedPath() {
      const s = eventState(this);
      return s.dispatching && s.target !== null ? [s.target] : [];
    }
    get eventPhase() { return eventState(this).phase; }
    stopPropagation() { eventState(this).stop = true; }
    get cancelBubble() { return eventState(this).stop; }
    set cancelBubble(v) { if (v) eventState(this).stop = true; }
    stopImmediatePropagation() { const s = eventState(this); s.stop = true; s.stopNow = true; }
    get bubbles() { return eventState(this).bubbles; }
    get cancelable() { return eventState(this).cancelable; }
    get returnValue() { return !eventState(this).canceled; }
    set returnValue(v) { if (!v) cancel(eventState(this)); }
    preventDefault() { cancel(eventState(this)); }
    get defaultPrevented() { return eventState(this).canceled; }
    get composed() { return eventState(this).composed; }
    // True only for the events the platform fires (abort), never for guest-made ones.
    get isTrusted() { return eventState(this).trusted; }
    get timeStamp() { return eventState(this).timeStamp; }
    initEvent(type, bubbles = false, cancelable = false) {
      if (arguments.length === 0) throw new TypeError("initEvent: 1 argument required, but only 0 present.");
      const s = eventState(this);
      if (s.dispatching) return;
      s.initialized = true;
      s.stop = s.stopNow = s.canceled = false;
      s.target = null;
      s.type = `${type}`;
      s.bubbles = !!bubbles;
      s.cancelable = !!cancelable;
    }
  }
  const cancel = (s) => { if (s.cancelable && !s.passive) s.canceled = true; };
  for (const [k, v] of [['NONE', NONE], ['CAPTURING_PHASE', CAPTURING_PHASE],
    ['AT_TARGET', AT_TARGET], ['BUBBLING_PHASE', BUBBLING_PHASE]]) {
    Object.defineProperty(Event, k, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
  }
  defineTag(Event, 'Event');

  class CustomEvent extends Event {
    #detail;
    constructor(type, eventInitDict = undefined) {
      if (arguments.length === 0) throw new TypeError("CustomEvent: 1 argument required, but only 0 present.");
      super(type, eventInitDict);
      const d = eventInitDict && eventInitDict.detail;
      this.#detail = d === undefined ? null : d;
    }
    get detail() {
      if (!(#detail in this)) throw new TypeError('Illegal invocation');
      return this.#detail;
    }
    initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
      if (!(#detail in this)) throw new TypeError('Illegal invocation');
      if (eventState(this).dispatching) return;
      this.initEvent(type, bubbles, cancelable);
      this.#detail = detail;
    }
  }
  defineTag(CustomEvent, 'CustomEvent');

  // ---- EventTarget --------------------------------------------------------------------------

  // Options of addEventListener/removeEventListener (a boolean is the capture flag).
  function flatten(options) {
    if (typeof options === 'boolean' || options === undefined || options === null ||
        (typeof options !== 'object' && typeof options !== 'function')) {
      return { capture: !!options, once: false, passive: false, signal: null };
    }
    const capture = !!options.capture;
    const once = !!options.once;
    const passive = !!options.passive;
    let signal = options.signal;
    if (signal === undefined) {
      signal = null; // an undefined dictionary member is absent
    } else {
      if (!isSignal(signal)) throw new TypeError("addEventListener: 'signal' member is not of type 'AbortSignal'");
    }
    return { capture, once, passive, signal };
  }

  let listenersOf; // (target) -> { type: [listener, ...] }, or a TypeError
  let removeListener; // (target, type, listener)

  class EventTarget {
    #listeners = { __proto__: null };
    #count = 0;
    static {
      listenersOf = (t) => {
        if (t === null || (typeof t !== 'object' && typeof t !== 'function') || !(#listeners in t)) {
          throw new TypeError('Illegal invocation');
        }
        return t.#listeners;
      };
    }
    addEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError('addEventListener: 2 arguments required');
      const all = listenersOf(this);
      const o = flatten(options);
      if (callback !== null && typeof callback !== 'object' && typeof callback !== 'function') {
        throw new TypeError("addEventListener: parameter 2 is not of type 'EventListener'");
      }
      const t = `${type}`;
      if (o.signal !== null && signalState(o.signal).aborted) return;
      if (callback === null) return;
      const list = all[t] || (all[t] = []);
      for (let i = 0; i < list.length; i++) {
        if (list[i].callback === callback && list[i].capture === o.capture) return;
      }
      if (this.#count >= MAX_LISTENERS) throw new RangeError('addEventListener: too many listeners');
      const l = { callback, capture: o.capture, once: o.once, passive: o.passive, removed: false };
      list[list.length] = l;
      this.#count++;
      if (o.signal !== null) addAlgorithm(o.signal, () => { removeListener(this, t, l); });
    }
    removeEventListener(type, callback, options = undefined) {
      if (arguments.length < 2) throw new TypeError('removeEventListener: 2 arguments required');
      const all = listenersOf(this);
      const capture = typeof options === 'object' && options !== null ? !!options.capture : !!options;
      const list = all[`${type}`];
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) {
        if (list[i].callback === callback && list[i].capture === capture) {
          removeListener(this, `${type}`, list[i]);
          return;
        }
      }
    }
    static #remove(target, type, l) {
      const list = target.#listeners[type];
      if (list === undefined || l.removed) return;
      l.removed = true;
      target.#count--;
      const i = apply(Array.prototype.indexOf, list, [l]);
      if (i >= 0) apply(Array.prototype.splice, list, [i, 1]);
      if (list.length === 0) delete target.#listeners[type];
    }
    static { removeListener = (t, type, l) => EventTarget.#remove(t, type, l); }
    dispatchEvent(event) {
      listenersOf(this);
      const s = eventState(event);
      if (s.dispatching || !s.initialized) {
        throw new (DOMException())('The event is already being dispatched or not initialized', 'InvalidStateError');
      }
      return dispatch(this, event, s);
    }
  }
  defineTag(EventTarget, 'EventTarget');

  // Dispatches `event` at `target` (its whole path); returns false if it was canceled.
  function dispatch(target, event, s) {
    s.dispatching = true;
    s.target = target;
    s.currentTarget = target;
    s.phase = AT_TARGET;
    try {
      invoke(target, event, s, true);
      if (!s.stop) invoke(target, event, s, false);
    } finally {
      s.phase = NONE;
      s.currentTarget = null;
      s.dispatching = false;
      s.stop = false;
      s.stopNow = false;
    }
    return !s.canceled;
  }

  function invoke(target, event, s, capture) {
    const list = listenersOf(target)[s.type];
    if (list === undefined) return;
    const snapshot = apply(Array.prototype.slice, list, []);
    for (let i = 0; i < snapshot.length; i++) {
      const l = snapshot[i];
      if (l.removed || l.capture !== capture) continue;
      if (l.once) removeListener(target, s.type, l);
      s.passive = l.passive;
      try {
        const cb = l.callback;
        if (typeof cb === 'function') {
          apply(cb, target, [event]);
        } else {
          const handle = cb.handleEvent;
          if (typeof handle !== 'function') throw new TypeError("'handleEvent' is not a function");
          apply(handle, cb, [event]);
        }
      } catch (e) {
        report(e);
      }
      s.passive = false;
      if (s.stopNow) break;
    }
  }

  // The pristine methods (a guest may replace the prototype's).
  const addListenerMethod = EventTarget.prototype.addEventListener;
  const removeListenerMethod = EventTarget.prototype.removeEventListener;

  // An event handler attribute (onabort): one listener, registered when first set.
  function handlerAttribute(C, name) {
    const key = name.slice(2);
    const handlers = new P.WeakMap();
    Object.defineProperty(C.prototype, name, {
      configurable: true,
      enumerable: true,
      get() { listenersOf(this); const h = apply(P.WeakMap.prototype.get, handlers, [this]); return h ? h.value : null; },
      set(v) {
        listenersOf(this);
        const value = typeof v === 'function' || (typeof v === 'object' && v !== null) ? v : null;
        let h = apply(P.WeakMap.prototype.get, handlers, [this]);
        if (h === undefined) {
          if (value === null) return;
          h = { value: null, listener: null };
          apply(P.WeakMap.prototype.set, handlers, [this, h]);
        }
        h.value = value;
        if (value === null && h.listener !== null) {
          apply(removeListenerMethod, this, [key, h.listener]);
          h.listener = null;
        } else if (value !== null && h.listener === null) {
          h.listener = function (event) {
            const f = h.value;
            if (typeof f === 'function') return apply(f, this, [event]);
          };
          apply(addListenerMethod, this, [key, h.listener]);
        }
      },
    });
  }

  // ---- AbortSignal and AbortController --------------------------------------------------------

  let signalState;
  let isSignal;
  let making = false;
  const MAX_DEPENDENTS_SWEEP = 64;

  class AbortSignal extends EventTarget {
    #s;
    static {
      signalState = (x) => {
        if (x === null || typeof x !== 'object' || !(#s in x)) throw new TypeError('Illegal invocation');
        return x.#s;
      };
      isSignal = (x) => x !== null && typeof x === 'object' && #s in x;
    }
    constructor() {
      if (!making) throw new TypeError('Illegal constructor');
      making = false;
      super();
      // dependents: WeakRefs of the signals made by any() from this one (swept as they die);
      // sources: the signals a dependent follows (WeakRefs too).
      this.#s = { aborted: false, reason: undefined, algorithms: [], dependent: false,
        dependents: new Set(), sweepAt: MAX_DEPENDENTS_SWEEP, sources: [] };
    }
    get aborted() { return signalState(this).aborted; }
    get reason() { return signalState(this).reason; }
    throwIfAborted() {
      const s = signalState(this);
      if (s.aborted) throw s.reason;
    }
    static abort(reason = undefined) {
      const signal = newSignal();
      const s = signalState(signal);
      s.aborted = true;
      s.reason = reason !== undefined ? reason : abortError();
      return signal;
    }
    static timeout(milliseconds) {
      if (arguments.length === 0) throw new TypeError('AbortSignal.timeout: 1 argument required');
      const ms = Number(milliseconds);
      if (!(ms >= 0 && ms <= Number.MAX_SAFE_INTEGER) || ms !== ms) {
        throw new TypeError('AbortSignal.timeout: the value is out of range for unsigned long long');
      }
      const signal = newSignal();
      // The host keeps the callback, hence the signal, alive until it fires.
      H.timerSet(() => {
        signalAbort(signal, new (DOMException())('The operation timed out.', 'TimeoutError'));
      }, Math.trunc(ms) > 2147483647 ? 2147483647 : Math.trunc(ms), false);
      return signal;
    }
    static any(signals) {
      if (arguments.length === 0) throw new TypeError('AbortSignal.any: 1 argument required');
      if (signals === null || typeof signals !== 'object' || typeof signals[Symbol.iterator] !== 'function') {
        throw new TypeError("AbortSignal.any: parameter 1 is not a sequence");
      }
      const list = [];
      for (const x of signals) {
        if (!isSignal(x)) throw new TypeError("AbortSignal.any: an element is not of type 'AbortSignal'");
        list[list.length] = x;
      }
      const result = newSignal();
      const rs = signalState(result);
      for (let i = 0; i < list.length; i++) {
        const s = signalState(list[i]);
        if (s.aborted) {
          rs.aborted = true;
          rs.reason = s.reason;
          return result;
        }
      }
      rs.dependent = true;
      const ref = new WeakRef(result);
      for (let i = 0; i < list.length; i++) {
        const s = signalState(list[i]);
        const sources = s.dependent ? s.sources : [new WeakRef(list[i])];
        for (let j = 0; j < sources.length; j++) {
          const src = sources[j].deref();
          if (src === undefined) continue;
          rs.sources[rs.sources.length] = sources[j];
          const ss = signalState(src);
          setAdd(ss.dependents, ref);
          if (ss.dependents.size >= ss.sweepAt) {
            for (const r of setValues(ss.dependents)) if (r.deref() === undefined) setDelete(ss.dependents, r);
            ss.sweepAt = ss.dependents.size * 2 + MAX_DEPENDENTS_SWEEP;
          }
        }
      }
      return result;
    }
  }
  handlerAttribute(AbortSignal, 'onabort');
  defineTag(AbortSignal, 'AbortSignal');

  const newSignal = () => { making = true; return new AbortSignal(); };
  const abortError = () => new (DOMException())('signal is aborted without reason', 'AbortError');

  // Runs `fn` when the signal aborts (nothing if it already has).
  function addAlgorithm(signal, fn) {
    const s = signalState(signal);
    if (!s.aborted) s.algorithms[s.algorithms.length] = fn;
  }

  function signalAbort(signal, reason) {
    const s = signalState(signal);
    if (s.aborted) return;
    s.aborted = true;
    s.reason = reason !== undefined ? reason : abortError();
    const toAbort = [];
    for (const ref of setValues(s.dependents)) {
      const d = ref.deref();
      if (d === undefined) continue;
      const ds = signalState(d);
      if (ds.aborted) continue;
      ds.aborted = true;
      ds.reason = s.reason;
      toAbort[toAbort.length] = d;
    }
    s.dependents = new Set();
    runAbortSteps(signal);
    for (let i = 0; i < toAbort.length; i++) runAbortSteps(toAbort[i]);
  }

  function runAbortSteps(signal) {
    const s = signalState(signal);
    const algorithms = s.algorithms;
    s.algorithms = [];
    for (let i = 0; i < algorithms.length; i++) {
      try { algorithms[i](); } catch (e) { report(e); }
    }
    const e = new Event('abort');
    const es = eventState(e);
    es.trusted = true;
    dispatch(signal, e, es);
  }

  class AbortController {
    #signal;
    constructor() { this.#signal = newSignal(); }
    get signal() {
      if (!(#signal in this)) throw new TypeError('Illegal invocation');
      return this.#signal;
    }
    abort(reason = undefined) {
      if (!(#signal in this)) throw new TypeError('Illegal invocation');
      signalAbort(this.#signal, reason);
    }
  }
  defineTag(AbortController, 'AbortController');

  // For the other factories (streams, fetch): "%events".
  const internals = Object.freeze({ __proto__: null, isSignal, addAlgorithm, signalAbort,
    removeAlgorithm(signal, fn) {
      const s = signalState(signal);
      const i = apply(Array.prototype.indexOf, s.algorithms, [fn]);
      if (i >= 0) apply(Array.prototype.splice, s.algorithms, [i, 1]);
    } });

  return { __proto__: null, Event, CustomEvent, EventTarget, AbortController, AbortSignal,
    '%events': internals };
})
