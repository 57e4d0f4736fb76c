// navigator and performance.
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, TypeError, Math } = P;
  let illegal = false;

  class Navigator {
    constructor() { if (illegal) throw new TypeError('Illegal constructor'); }
    get userAgent() { return 'dynworker/0.1'; }
    get hardwareConcurrency() { return 1; }
    get language() { return 'en'; }
    get languages() { return ['en']; }
  }
  Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: 'Navigator', configurable: true });

  const timeOrigin = H.timeOrigin;
  class Performance {
    constructor() { if (illegal) throw new TypeError('Illegal constructor'); }
    // Milliseconds since the realm was created, with microsecond precision.
    now() { return Math.round(H.now() * 1000) / 1000; }
    get timeOrigin() { return timeOrigin; }
    toJSON() { return { timeOrigin }; }
  }
  Object.defineProperty(Performance.prototype, Symbol.toStringTag, { value: 'Performance', configurable: true });

  const navigator = new Navigator();
  const performance = new Performance();
  illegal = true;
  return { __proto__: null, navigator, performance };
})
