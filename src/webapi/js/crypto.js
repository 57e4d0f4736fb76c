// crypto.getRandomValues and crypto.randomUUID (WebCrypto), filled by getrandom(2).
// crypto.subtle is js/subtle.js, loaded on its first read only.
(function (H, P, load) {
  'use strict';
  const { Object, Reflect, Symbol, TypeError, Uint8Array } = P;
  const DOMException = load('DOMException');
  const taTag = (() => {
    const get = Reflect.getOwnPropertyDescriptor(Reflect.getPrototypeOf(Uint8Array).prototype,
                                                 Symbol.toStringTag).get;
    return (v) => Reflect.apply(get, v, []);
  })();
  const integerArrays = new P.Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
    'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array']);
  const HEX = '0123456789abcdef'; // (a 256-entry table cost ~256 cold iterations per realm)
  let illegal = false;

  class Crypto {
    constructor() {
      if (illegal) throw new TypeError('Illegal constructor');
    }
    get subtle() {
      if (!(this instanceof Crypto)) throw new TypeError('Illegal invocation');
      return load('%subtle');
    }
    getRandomValues(array) {
      if (arguments.length === 0) throw new TypeError('getRandomValues requires 1 argument');
      const tag = taTag(array);
      if (!integerArrays.has(tag)) {
        throw new DOMException('The data argument must be an integer-type TypedArray',
                               'TypeMismatchError');
      }
      if (array.byteLength > 65536) {
        throw new DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`,
                               'QuotaExceededError');
      }
      H.random(array);
      return array;
    }
    randomUUID() {
      const b = new Uint8Array(16);
      H.random(b);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      let s = '';
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
        s += HEX[b[i] >> 4] + HEX[b[i] & 15];
      }
      return s;
    }
  }
  Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: 'Crypto', configurable: true });
  const crypto = new Crypto();
  illegal = true;
  return { __proto__: null, crypto, Crypto };
})
