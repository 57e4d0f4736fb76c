// crypto.subtle (WebCrypto): SubtleCrypto, CryptoKey. Loaded on the first read of
// crypto.subtle (or of the SubtleCrypto/CryptoKey globals), not by crypto.getRandomValues.
//
// This file does the WebCrypto semantics: algorithm normalisation, usages, formats, JWK,
// errors. The computing is done by stateless natives (src/webapi/subtle.c, through H.subtle)
// that get the key bytes on every call.
//
// Key material: held in a private field of each CryptoKey, as ArrayBuffers made by the
// native (never a guest's buffer), and only ever handed to H.subtle. Nothing here calls a
// method the guest could replace (prototype methods, WeakMap#get, array iterators) with key
// bytes or with an object that holds them; exportKey of an extractable key is the only way
// out. Guest buffers are copied by the native ('copy') when a method is called.
(function (H, P, load) {
  'use strict';
  const { Object, TypeError, String, Number, Math, ArrayBuffer, Uint8Array, DataView, Symbol,
          isFinite } = P;
  const { apply, getOwnPropertyDescriptor, getPrototypeOf } = P.Reflect;
  const { isArray } = P.Array;
  const { stringify, parse } = P.JSON;
  const DOMException = load('DOMException');
  const N = H.subtle;
  const err = (name, msg) => new DOMException(msg, name);

  // ---- WebIDL conversions -------------------------------------------------------------------

  // A private copy of a BufferSource, as an ArrayBuffer (TypeError if not one). The native
  // reads ArrayBuffers and typed arrays; a DataView is read through its own getters.
  const getter = (o, k) => {
    const g = getOwnPropertyDescriptor(o, k).get;
    return (v) => apply(g, v, []);
  };
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const taTag = getter(getPrototypeOf(Uint8Array).prototype, Symbol.toStringTag);
  const copyOf = (v) => {
    const b = N('copy', v);
    if (b !== undefined || !isObject(v)) return b;
    let view;
    try {
      view = new Uint8Array(dvBuffer(v), dvOffset(v), dvLength(v));
    } catch {
      return undefined;
    }
    return N('copy', view);
  };
  const buffer = (v, what) => {
    const b = copyOf(v);
    if (b === undefined) throw new TypeError(`${what} is not an ArrayBuffer or ArrayBufferView`);
    return b;
  };
  const byteLength = (b) => new Uint8Array(b).length;
  // [EnforceRange] integer conversion.
  const enforceRange = (v, max, what) => {
    const x = Number(v);
    if (!isFinite(x)) throw new TypeError(`${what} is not a finite number`);
    const t = x < 0 ? Math.ceil(x) : Math.floor(x);
    if (t < 0 || t > max) throw new TypeError(`${what} is outside the range [0, ${max}]`);
    return t;
  };
  const asciiLower = (s) => {
    let r = '';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      r += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
    }
    return r;
  };
  const isObject = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';
  // Decisions (usages, formats) never go through Array.prototype methods a guest can replace.
  const has = (list, x) => {
    for (let i = 0; i < list.length; i++) if (list[i] === x) return true;
    return false;
  };
  const copyList = (list) => {
    const out = [];
    for (let i = 0; i < list.length; i++) out.push(list[i]);
    return out;
  };

  const usageNames = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits',
                      'wrapKey', 'unwrapKey'];
  // sequence<KeyUsage>: each a KeyUsage (TypeError otherwise); returned deduplicated, in the
  // order of usageNames.
  const toUsages = (v) => {
    if (!isObject(v) || typeof v[Symbol.iterator] !== 'function') {
      throw new TypeError('keyUsages is not a sequence');
    }
    const seen = { __proto__: null };
    for (const u of v) {
      const s = String(u);
      if (!has(usageNames, s)) throw new TypeError(`'${s}' is not a valid KeyUsage`);
      seen[s] = true;
    }
    const out = [];
    for (let i = 0; i < usageNames.length; i++) if (seen[usageNames[i]]) out.push(usageNames[i]);
    return out;
  };
  // SyntaxError unless every usage is allowed.
  const checkUsages = (usages, allowed) => {
    for (let i = 0; i < usages.length; i++) {
      if (!has(allowed, usages[i])) {
        throw err('SyntaxError', `Usage '${usages[i]}' is not valid for this key`);
      }
    }
  };
  const intersect = (usages, allowed) => {
    const out = [];
    for (let i = 0; i < usages.length; i++) if (has(allowed, usages[i])) out.push(usages[i]);
    return out;
  };

  // ---- Algorithms -----------------------------------------------------------------------------

  const blockBits = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
  const curves = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

  // Dictionary members, by IDL type: each converts the guest's value (undefined: absent).
  const req = (what) => { throw new TypeError(`${what} is required`); };
  const members = {
    hash: (v) => (v === undefined ? req('hash') : normalize('digest', v)),
    lengthLong: (v) => (v === undefined ? undefined : enforceRange(v, 0xffffffff, 'length')),
    lengthShort: (v) => (v === undefined ? req('length') : enforceRange(v, 0xffff, 'length')),
    namedCurve: (v) => (v === undefined ? req('namedCurve') : String(v)),
    iv: (v) => (v === undefined ? req('iv') : buffer(v, 'iv')),
    additionalData: (v) => (v === undefined ? undefined : buffer(v, 'additionalData')),
    tagLength: (v) => (v === undefined ? undefined : enforceRange(v, 255, 'tagLength')),
    salt: (v) => (v === undefined ? req('salt') : buffer(v, 'salt')),
    info: (v) => (v === undefined ? req('info') : buffer(v, 'info')),
    iterations: (v) => (v === undefined ? req('iterations') : enforceRange(v, 0xffffffff, 'iterations')),
    saltLength: (v) => (v === undefined ? req('saltLength') : enforceRange(v, 0xffffffff, 'saltLength')),
    modulusLength: (v) => (v === undefined ? req('modulusLength') : enforceRange(v, 0xffffffff, 'modulusLength')),
    publicExponent: (v) => {
      if (v === undefined) req('publicExponent');
      if (taTag(v) !== 'Uint8Array') throw new TypeError('publicExponent is not a Uint8Array');
      return buffer(v, 'publicExponent');
    },
    label: (v) => (v === undefined ? undefined : buffer(v, 'label')),
    counter: (v) => (v === undefined ? req('counter') : buffer(v, 'counter')),
    lengthOctet: (v) => (v === undefined ? req('length') : enforceRange(v, 255, 'length')),
    publicKey: (v) => (v === undefined ? req('public') : keyArg(v)),
  };
  const rsaGen = [['hash', 'hash'], ['modulusLength', 'modulusLength'], ['publicExponent', 'publicExponent']];
  const rsaImport = [['hash', 'hash']];
  // Per operation: algorithm name -> [member, converter] in the order WebIDL reads them
  // (lexicographic).
  const noParams = [];
  const ops = {
    digest: { 'SHA-1': noParams, 'SHA-256': noParams, 'SHA-384': noParams, 'SHA-512': noParams },
    sign: { HMAC: noParams, ECDSA: [['hash', 'hash']], Ed25519: noParams, 'NODE-ED25519': noParams,
            'RSASSA-PKCS1-v1_5': noParams, 'RSA-PSS': [['saltLength', 'saltLength']] },
    generateKey: {
      HMAC: [['hash', 'hash'], ['length', 'lengthLong']],
      'AES-GCM': [['length', 'lengthShort']],
      'AES-CBC': [['length', 'lengthShort']],
      'AES-CTR': [['length', 'lengthShort']],
      'AES-KW': [['length', 'lengthShort']],
      ECDSA: [['namedCurve', 'namedCurve']],
      Ed25519: noParams,
      'NODE-ED25519': [['namedCurve', 'namedCurve']],
      ECDH: [['namedCurve', 'namedCurve']],
      X25519: noParams,
      'RSASSA-PKCS1-v1_5': rsaGen,
      'RSA-PSS': rsaGen,
      'RSA-OAEP': rsaGen,
    },
    importKey: {
      HMAC: [['hash', 'hash'], ['length', 'lengthLong']],
      'AES-GCM': noParams,
      'AES-CBC': noParams,
      'AES-CTR': noParams,
      'AES-KW': noParams,
      ECDSA: [['namedCurve', 'namedCurve']],
      Ed25519: noParams,
      PBKDF2: noParams,
      HKDF: noParams,
      'NODE-ED25519': [['namedCurve', 'namedCurve']],
      ECDH: [['namedCurve', 'namedCurve']],
      X25519: noParams,
      'RSASSA-PKCS1-v1_5': rsaImport,
      'RSA-PSS': rsaImport,
      'RSA-OAEP': rsaImport,
    },
    encrypt: {
      'AES-GCM': [['additionalData', 'additionalData'], ['iv', 'iv'], ['tagLength', 'tagLength']],
      'AES-CBC': [['iv', 'iv']],
      'AES-CTR': [['counter', 'counter'], ['length', 'lengthOctet']],
      'RSA-OAEP': [['label', 'label']],
    },
    deriveBits: {
      PBKDF2: [['hash', 'hash'], ['iterations', 'iterations'], ['salt', 'salt']],
      HKDF: [['hash', 'hash'], ['info', 'info'], ['salt', 'salt']],
      ECDH: [['public', 'publicKey']],
      X25519: [['public', 'publicKey']],
    },
    getKeyLength: {
      HMAC: [['hash', 'hash'], ['length', 'lengthLong']],
      'AES-GCM': [['length', 'lengthShort']],
      'AES-CBC': [['length', 'lengthShort']],
      'AES-CTR': [['length', 'lengthShort']],
      'AES-KW': [['length', 'lengthShort']],
    },
    wrapKey: { 'AES-KW': noParams },
  };
  ops.verify = ops.sign;
  ops.decrypt = ops.encrypt;
  ops.unwrapKey = ops.wrapKey;
  // https://w3c.github.io/webcrypto/#algorithm-normalization-normalize-an-algorithm
  function normalize(op, alg) {
    if (!isObject(alg)) alg = { name: String(alg) };
    const name = alg.name;
    if (name === undefined) throw new TypeError('Algorithm: name is required');
    const lower = asciiLower(String(name));
    const table = ops[op];
    for (const key of Object.keys(table)) {
      if (asciiLower(key) !== lower) continue;
      const out = { __proto__: null, name: key };
      const list = table[key];
      for (let i = 0; i < list.length; i++) out[list[i][0]] = members[list[i][1]](alg[list[i][0]]);
      return out;
    }
    throw err('NotSupportedError', `Unrecognized or unsupported algorithm: ${String(name)}`);
  }

  // ---- CryptoKey ------------------------------------------------------------------------------

  const token = {};
  let slots; // (key) -> its internal record; TypeError for anything else
  // The guest-visible algorithm dictionary of an internal one.
  const publicAlgorithm = (a) => {
    const o = { name: a.name };
    if (a.hash !== undefined) o.hash = { name: a.hash };
    if (a.length !== undefined) o.length = a.length;
    if (a.namedCurve !== undefined) o.namedCurve = a.namedCurve;
    if (a.modulusLength !== undefined) {
      o.modulusLength = a.modulusLength;
      o.publicExponent = new Uint8Array(sliceBuf(a.publicExponent, 0, byteLength(a.publicExponent)));
    }
    return o;
  };
  class CryptoKey {
    #s;
    #algorithm;
    #usages;
    // rec: { type, extractable, alg: { name, hash?, length?, namedCurve? }, usages, material }
    constructor(t, rec) {
      if (t !== token) throw new TypeError('Illegal constructor');
      this.#s = Object.freeze(rec);
    }
    get type() { return slots(this).type; }
    get extractable() { return slots(this).extractable; }
    get algorithm() {
      const s = slots(this);
      if (this.#algorithm === undefined) this.#algorithm = publicAlgorithm(s.alg);
      return this.#algorithm;
    }
    get usages() {
      const s = slots(this);
      if (this.#usages === undefined) this.#usages = copyList(s.usages);
      return this.#usages;
    }
    static {
      slots = (k) => {
        if (!isObject(k) || !(#s in k)) throw new TypeError('Argument is not a CryptoKey');
        return k.#s;
      };
    }
  }
  const newKey = (type, extractable, alg, usages, material) =>
    new CryptoKey(token, { __proto__: null, type, extractable,
                           alg: Object.freeze({ __proto__: null, ...alg }),
                           usages: Object.freeze(usages), material });
  const keyArg = (k) => (slots(k), k);
  Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: 'CryptoKey', configurable: true });

  // ---- base64url (JWK) --------------------------------------------------------------------------

  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const b64val = { __proto__: null };
  for (let i = 0; i < 64; i++) b64val[b64[i]] = i;
  const b64encode = (buf) => {
    const b = new Uint8Array(buf);
    let s = '';
    let i = 0;
    for (; i + 2 < b.length; i += 3) {
      const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      s += b64[n >> 18] + b64[(n >> 12) & 63] + b64[(n >> 6) & 63] + b64[n & 63];
    }
    if (b.length - i === 1) s += b64[b[i] >> 2] + b64[(b[i] & 3) << 4];
    else if (b.length - i === 2) {
      const n = (b[i] << 8) | b[i + 1];
      s += b64[n >> 10] + b64[(n >> 4) & 63] + b64[(n & 15) << 2];
    }
    return s;
  };
  // Strict base64url without padding (DataError otherwise); returns a new ArrayBuffer.
  const b64decode = (s, what) => {
    if (typeof s !== 'string') throw err('DataError', `JWK member '${what}' is missing`);
    if (s.length % 4 === 1) throw err('DataError', `JWK member '${what}' is not valid base64url`);
    const out = new ArrayBuffer(Math.floor((s.length * 3) / 4));
    const b = new Uint8Array(out);
    let acc = 0, bits = 0, j = 0;
    for (let i = 0; i < s.length; i++) {
      const v = b64val[s[i]];
      if (v === undefined) throw err('DataError', `JWK member '${what}' is not valid base64url`);
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        b[j++] = (acc >> bits) & 255;
      }
    }
    if ((acc & ((1 << bits) - 1)) !== 0) throw err('DataError', `JWK member '${what}' is not valid base64url`);
    return out;
  };
  // Bytes [from, to) of an ArrayBuffer, as a new ArrayBuffer (no prototype methods involved).
  const sliceBuf = (buf, from, to) => {
    const src = new Uint8Array(buf);
    const out = new ArrayBuffer(to - from);
    const dst = new Uint8Array(out);
    for (let i = from; i < to; i++) dst[i - from] = src[i];
    return out;
  };
  const concatBuf = (a, b) => {
    const x = new Uint8Array(a), y = new Uint8Array(b);
    const out = new ArrayBuffer(x.length + y.length + 1);
    const d = new Uint8Array(out);
    d[0] = 4;
    for (let i = 0; i < x.length; i++) d[1 + i] = x[i];
    for (let i = 0; i < y.length; i++) d[1 + x.length + i] = y[i];
    return out;
  };

  // JsonWebKey: the members we use, converted as the dictionary would be.
  const toJwk = (v) => {
    if (!isObject(v)) throw new TypeError('keyData is not a JsonWebKey');
    const j = { __proto__: null };
    for (const m of ['alg', 'crv', 'd', 'dp', 'dq', 'e', 'k', 'kty', 'n', 'p', 'q', 'qi', 'use', 'x', 'y']) {
      const x = v[m];
      if (x !== undefined) j[m] = String(x);
    }
    if (v.ext !== undefined) j.ext = !!v.ext;
    if (v.key_ops !== undefined) {
      if (!isObject(v.key_ops)) throw new TypeError('key_ops is not a sequence');
      j.key_ops = [];
      for (const op of v.key_ops) j.key_ops.push(String(op));
    }
    return j;
  };
  // The checks every JWK import does (kty is checked by the caller).
  const checkJwk = (j, usages, extractable, use) => {
    if (usages.length && j.use !== undefined && j.use !== use) {
      throw err('DataError', `JWK 'use' must be '${use}'`);
    }
    if (j.key_ops !== undefined) {
      const seen = { __proto__: null };
      for (let i = 0; i < j.key_ops.length; i++) {
        if (seen[j.key_ops[i]]) throw err('DataError', 'JWK key_ops has duplicates');
        seen[j.key_ops[i]] = true;
      }
      for (let i = 0; i < usages.length; i++) {
        if (!seen[usages[i]]) throw err('DataError', `JWK key_ops does not allow '${usages[i]}'`);
      }
    }
    if (j.ext === false && extractable) throw err('DataError', 'JWK is not extractable');
  };

  // ---- Per-algorithm key handling --------------------------------------------------------------

  const secretUsages = {
    HMAC: ['sign', 'verify'],
    'AES-GCM': ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    'AES-CBC': ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    'AES-CTR': ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    'AES-KW': ['wrapKey', 'unwrapKey'],
    PBKDF2: ['deriveKey', 'deriveBits'],
    HKDF: ['deriveKey', 'deriveBits'],
  };
  const aesSuffix = { 'AES-GCM': 'GCM', 'AES-CBC': 'CBC', 'AES-CTR': 'CTR', 'AES-KW': 'KW' };
  const isAes = (name) => aesSuffix[name] !== undefined;
  const hmacJwkAlg = { 'SHA-1': 'HS1', 'SHA-256': 'HS256', 'SHA-384': 'HS384', 'SHA-512': 'HS512' };
  const ecJwkAlg = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

  // Random bytes for a secret key of `bits` bits (bits beyond the length are zero).
  const randomKey = (bits) => {
    const n = Math.ceil(bits / 8);
    const out = new ArrayBuffer(n);
    const b = new Uint8Array(out);
    for (let off = 0; off < n; off += 65536) H.random(new Uint8Array(out, off, Math.min(65536, n - off)));
    if (bits % 8) b[n - 1] &= (0xff << (8 - (bits % 8))) & 0xff;
    return out;
  };

  function importSecret(format, keyData, alg, extractable, usages) {
    const name = alg.name;
    checkUsages(usages, secretUsages[name]);
    let raw;
    if (format === 'raw') {
      raw = buffer(keyData, 'keyData');
    } else if (format === 'jwk' && (name === 'HMAC' || isAes(name))) {
      const j = toJwk(keyData);
      if (j.kty !== 'oct') throw err('DataError', "JWK 'kty' must be 'oct'");
      raw = b64decode(j.k, 'k');
      if (name === 'HMAC') {
        if (j.alg !== undefined && j.alg !== hmacJwkAlg[alg.hash.name]) {
          throw err('DataError', `JWK 'alg' does not match the hash ${alg.hash.name}`);
        }
      } else {
        const want = `A${byteLength(raw) * 8}${aesSuffix[name]}`;
        if (j.alg !== undefined && j.alg !== want) throw err('DataError', `JWK 'alg' must be '${want}'`);
      }
      checkJwk(j, usages, extractable, name === 'HMAC' ? 'sig' : 'enc');
    } else {
      throw err('NotSupportedError', `Format '${format}' is not supported for ${name} keys`);
    }
    const n = byteLength(raw);
    if (n > 65536) throw err('DataError', 'Key data larger than 64 KiB is not supported');
    const out = { name };
    if (name === 'HMAC') {
      if (n === 0) throw err('DataError', 'HMAC key data must not be empty');
      let length = n * 8;
      if (alg.length !== undefined) {
        if (alg.length === 0 || alg.length > length || alg.length <= length - 8) {
          throw err('DataError', `HMAC length ${alg.length} does not match the key data (${n} bytes)`);
        }
        length = alg.length;
      }
      out.hash = alg.hash.name;
      out.length = length;
    } else if (isAes(name)) {
      if (n !== 16 && n !== 24 && n !== 32) throw err('DataError', 'AES key data must be 128, 192 or 256 bits');
      out.length = n * 8;
    } else if (extractable) {
      throw err('SyntaxError', `${name} keys cannot be extractable`);
    }
    return newKey('secret', extractable, out, usages, raw);
  }

  // The kind of an asymmetric key for the native: the curve, 'Ed25519' or 'X25519'.
  // NODE-ED25519 (namedCurve NODE-ED25519) is Cloudflare's older name for Ed25519.
  const isEc = (name) => name === 'ECDSA' || name === 'ECDH';
  const isOkp = (name) => name === 'Ed25519' || name === 'X25519' || name === 'NODE-ED25519';
  const okpCurve = (name) => (name === 'NODE-ED25519' ? 'Ed25519' : name);
  const kindOf = (alg) => (isEc(alg.name) ? alg.namedCurve : okpCurve(alg.name));
  const hasCurve = (name) => isEc(name) || name === 'NODE-ED25519';
  const checkCurve = (alg) => {
    if (isEc(alg.name) ? curves[alg.namedCurve] === undefined
      : alg.name === 'NODE-ED25519' && alg.namedCurve !== 'NODE-ED25519') {
      throw err('NotSupportedError', `Unsupported namedCurve: ${alg.namedCurve}`);
    }
  };
  // The natives return a key's parts as one buffer, public || private (an object would be
  // filled by assignment, which a setter on Object.prototype could observe).
  const splitParts = (kind, buf) => {
    if (buf === undefined) return undefined;
    const n = curves[kind] === undefined ? 32 : 1 + 2 * curves[kind];
    const all = byteLength(buf);
    return { __proto__: null, pub: sliceBuf(buf, 0, n), priv: all > n ? sliceBuf(buf, n, all) : undefined };
  };
  const publicUsages = { ECDSA: ['verify'], Ed25519: ['verify'], 'NODE-ED25519': ['verify'],
                         ECDH: [], X25519: [] };
  const privateUsages = { ECDSA: ['sign'], Ed25519: ['sign'], 'NODE-ED25519': ['sign'],
                          ECDH: ['deriveKey', 'deriveBits'], X25519: ['deriveKey', 'deriveBits'] };

  function importAsymmetric(format, keyData, alg, extractable, usages) {
    const name = alg.name;
    checkCurve(alg);
    const kind = kindOf(alg);
    let m, priv = false;
    if (format === 'raw') {
      checkUsages(usages, publicUsages[name]);
      m = splitParts(kind, N('key_from_raw', kind, buffer(keyData, 'keyData'), undefined));
    } else if (format === 'spki' || format === 'pkcs8') {
      priv = format === 'pkcs8';
      checkUsages(usages, priv ? privateUsages[name] : publicUsages[name]);
      m = splitParts(kind, N('key_from_der', kind, buffer(keyData, 'keyData'), priv));
    } else if (format === 'jwk') {
      const j = toJwk(keyData);
      priv = j.d !== undefined;
      checkUsages(usages, priv ? privateUsages[name] : publicUsages[name]);
      if (isEc(name)) {
        if (j.kty !== 'EC') throw err('DataError', "JWK 'kty' must be 'EC'");
        if (j.crv !== alg.namedCurve) throw err('DataError', `JWK 'crv' must be '${alg.namedCurve}'`);
        if (name === 'ECDSA' && j.alg !== undefined && j.alg !== ecJwkAlg[alg.namedCurve]) {
          throw err('DataError', `JWK 'alg' must be '${ecJwkAlg[alg.namedCurve]}'`);
        }
      } else {
        if (j.kty !== 'OKP') throw err('DataError', "JWK 'kty' must be 'OKP'");
        if (j.crv !== okpCurve(name)) throw err('DataError', `JWK 'crv' must be '${okpCurve(name)}'`);
        if (kind === 'Ed25519' && j.alg !== undefined && j.alg !== 'EdDSA' && j.alg !== 'Ed25519') {
          throw err('DataError', "JWK 'alg' must be 'EdDSA' or 'Ed25519'");
        }
      }
      checkJwk(j, usages, extractable, name === 'ECDH' || name === 'X25519' ? 'enc' : 'sig');
      const x = b64decode(j.x, 'x');
      let pub = x;
      if (isEc(name)) {
        const y = b64decode(j.y, 'y');
        const size = curves[alg.namedCurve];
        if (byteLength(x) !== size || byteLength(y) !== size) {
          throw err('DataError', 'JWK x and y must be the size of the curve');
        }
        pub = concatBuf(x, y);
      }
      m = splitParts(kind, N('key_from_raw', kind, pub, priv ? b64decode(j.d, 'd') : undefined));
    } else {
      throw err('NotSupportedError', `Format '${format}' is not supported`);
    }
    if (m === undefined) throw err('DataError', `Invalid ${name} key data`);
    if (priv && usages.length === 0) throw err('SyntaxError', 'A private key needs a usage');
    const out = hasCurve(name) ? { name, namedCurve: alg.namedCurve } : { name };
    const material = { __proto__: null, pub: m.pub, priv: priv ? m.priv : undefined };
    return newKey(priv ? 'private' : 'public', extractable, out, usages, material);
  }

  function exportAsymmetric(format, s) {
    const kind = kindOf(s.alg), m = s.material, priv = s.type === 'private';
    if (format === 'raw' || format === 'spki') {
      if (priv) throw err('InvalidAccessError', `A private key cannot be exported as '${format}'`);
      return format === 'raw' ? sliceBuf(m.pub, 0, byteLength(m.pub))
        : N('key_to_der', kind, m.pub, undefined);
    }
    if (format === 'pkcs8') {
      if (!priv) throw err('InvalidAccessError', "A public key cannot be exported as 'pkcs8'");
      return N('key_to_der', kind, m.pub, m.priv);
    }
    // jwk
    const j = {};
    if (isEc(s.alg.name)) {
      const size = curves[s.alg.namedCurve];
      j.kty = 'EC';
      j.crv = s.alg.namedCurve;
      j.x = b64encode(sliceBuf(m.pub, 1, 1 + size));
      j.y = b64encode(sliceBuf(m.pub, 1 + size, 1 + 2 * size));
    } else {
      j.kty = 'OKP';
      j.crv = kind;
      j.x = b64encode(m.pub);
    }
    if (priv) j.d = b64encode(m.priv);
    return j;
  }

  // ---- RSA ----------------------------------------------------------------------------------------

  const rsaNames = { 'RSASSA-PKCS1-v1_5': 'RS', 'RSA-PSS': 'PS', 'RSA-OAEP': 'RSA-OAEP' };
  const isRsa = (name) => rsaNames[name] !== undefined;
  const rsaUsages = (name, priv) => (name === 'RSA-OAEP'
    ? (priv ? ['decrypt', 'unwrapKey'] : ['encrypt', 'wrapKey'])
    : (priv ? ['sign'] : ['verify']));
  const rsaJwkAlg = (name, hash) => {
    const bits = hash.slice(4);
    if (name === 'RSA-OAEP') return hash === 'SHA-1' ? 'RSA-OAEP' : `RSA-OAEP-${bits}`;
    return `${rsaNames[name]}${hash === 'SHA-1' ? '1' : bits}`;
  };
  const rsaJwkFields = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'];
  // Packs JWK components for the native: per component, a 4-byte length and the bytes.
  const packParts = (list) => {
    let total = 0;
    for (let i = 0; i < list.length; i++) total += 4 + byteLength(list[i]);
    const out = new ArrayBuffer(total);
    const d = new Uint8Array(out);
    let o = 0;
    for (let i = 0; i < list.length; i++) {
      const b = new Uint8Array(list[i]);
      d[o] = b.length >>> 24; d[o + 1] = (b.length >>> 16) & 255; d[o + 2] = (b.length >>> 8) & 255; d[o + 3] = b.length & 255;
      for (let j = 0; j < b.length; j++) d[o + 4 + j] = b[j];
      o += 4 + b.length;
    }
    return out;
  };
  // The components as { 0: n, 1: e, ..., length } (no array: an element assigned to an array
  // runs a setter the guest may have put on Array.prototype).
  const unpackParts = (buf) => {
    const d = new Uint8Array(buf);
    const out = { __proto__: null, length: 0 };
    for (let o = 0; o < d.length;) {
      const n = ((d[o] << 24) >>> 0) + (d[o + 1] << 16) + (d[o + 2] << 8) + d[o + 3];
      out[out.length++] = sliceBuf(buf, o + 4, o + 4 + n);
      o += 4 + n;
    }
    return out;
  };
  // The algorithm record of an RSA key from its DER: modulusLength and publicExponent.
  const rsaAlgorithm = (name, hash, der, priv) => {
    const parts = unpackParts(N('rsa_to_jwk', der, priv, false));
    const n = new Uint8Array(parts[0]);
    let bits = n.length * 8;
    for (let top = n[0]; top < 128; top <<= 1) bits--;
    return { name, modulusLength: bits, publicExponent: parts[1], hash };
  };

  function importRsa(format, keyData, alg, extractable, usages) {
    const name = alg.name;
    let der, priv;
    if (format === 'spki' || format === 'pkcs8') {
      priv = format === 'pkcs8';
      checkUsages(usages, rsaUsages(name, priv));
      der = N('rsa_from_der', buffer(keyData, 'keyData'), priv);
    } else if (format === 'jwk') {
      const j = toJwk(keyData);
      priv = j.d !== undefined;
      checkUsages(usages, rsaUsages(name, priv));
      if (j.kty !== 'RSA') throw err('DataError', "JWK 'kty' must be 'RSA'");
      const want = rsaJwkAlg(name, alg.hash.name);
      if (j.alg !== undefined && j.alg !== want) throw err('DataError', `JWK 'alg' must be '${want}'`);
      checkJwk(j, usages, extractable, name === 'RSA-OAEP' ? 'enc' : 'sig');
      const fields = priv ? rsaJwkFields : ['n', 'e'];
      const list = { __proto__: null, length: fields.length };
      for (let i = 0; i < fields.length; i++) list[i] = b64decode(j[fields[i]], fields[i]);
      der = N('rsa_from_jwk', packParts(list));
    } else {
      throw err('NotSupportedError', `Format '${format}' is not supported for ${name} keys`);
    }
    if (der === undefined) throw err('DataError', `Invalid ${name} key data (RSA keys of 1024 to 8192 bits)`);
    const out = rsaAlgorithm(name, alg.hash.name, der, priv);
    return newKey(priv ? 'private' : 'public', extractable, out, usages, { __proto__: null, der });
  }

  function exportRsa(format, s) {
    const priv = s.type === 'private';
    if (format === 'spki' || format === 'pkcs8') {
      if (priv !== (format === 'pkcs8')) {
        throw err('InvalidAccessError', `A ${s.type} key cannot be exported as '${format}'`);
      }
      return sliceBuf(s.material.der, 0, byteLength(s.material.der));
    }
    if (format !== 'jwk') throw err('NotSupportedError', `Format '${format}' is not supported for RSA keys`);
    const parts = unpackParts(N('rsa_to_jwk', s.material.der, priv, true));
    const j = { kty: 'RSA' };
    for (let i = 0; i < parts.length; i++) j[rsaJwkFields[i]] = b64encode(parts[i]);
    j.alg = rsaJwkAlg(s.alg.name, s.alg.hash);
    return j;
  }

  // ---- SubtleCrypto -----------------------------------------------------------------------------

  const formats = ['raw', 'spki', 'pkcs8', 'jwk'];
  const toFormat = (v) => {
    const f = String(v);
    if (!has(formats, f)) throw new TypeError(`'${f}' is not a valid KeyFormat`);
    return f;
  };
  const need = (args, n, what) => {
    if (args.length < n) throw new TypeError(`${what} requires ${n} arguments, got ${args.length}`);
  };
  // The checks of sign/verify/encrypt/decrypt/deriveBits: same algorithm, usage present.
  const useKey = (key, alg, usage) => {
    const s = slots(key);
    if (s.alg.name !== alg.name) {
      throw err('InvalidAccessError', `The key is for ${s.alg.name}, not ${alg.name}`);
    }
    if (!has(s.usages, usage)) throw err('InvalidAccessError', `The key does not allow '${usage}'`);
    return s;
  };
  let illegal = false;
  let brand; // (o): TypeError unless o is our SubtleCrypto

  // ECDH and X25519: the shared secret, or its first `length` bits.
  function agree(alg, s, length) {
    const peer = slots(alg.public);
    if (peer.type !== 'public') throw err('InvalidAccessError', 'The public member must be a public key');
    if (peer.alg.name !== s.alg.name || peer.alg.namedCurve !== s.alg.namedCurve) {
      throw err('InvalidAccessError', 'The public key is for another algorithm or curve');
    }
    const secret = N('ecdh', kindOf(s.alg), s.material.pub, s.material.priv, peer.material.pub);
    if (secret === undefined) throw err('OperationError', 'Key agreement failed');
    if (length === null || length === undefined) return secret;
    const bits = byteLength(secret) * 8;
    if (length > bits) throw err('OperationError', `length ${length} is more than the ${bits} bits of the secret`);
    const out = sliceBuf(secret, 0, Math.ceil(length / 8));
    if (length % 8) new Uint8Array(out)[byteLength(out) - 1] &= (0xff << (8 - (length % 8))) & 0xff;
    return out;
  }

  function deriveBitsOf(alg, s, length) {
    if (alg.name === 'ECDH' || alg.name === 'X25519') return agree(alg, s, length);
    if (length === null || length === undefined || length % 8 !== 0) {
      throw err('OperationError', 'length must be a multiple of 8');
    }
    if (length === 0) return new ArrayBuffer(0);
    if (length > 65536 * 8) throw err('OperationError', 'length over 524288 bits is not supported');
    if (alg.name === 'PBKDF2') {
      if (alg.iterations === 0) throw err('OperationError', 'iterations must not be zero');
      if (alg.iterations > 100000) {
        throw err('NotSupportedError', `PBKDF2 with more than 100000 iterations is not supported (${alg.iterations})`);
      }
      const r = N('pbkdf2', alg.hash.name, s.material, alg.salt, alg.iterations, length / 8);
      if (r === undefined) throw err('OperationError', 'PBKDF2 failed');
      return r;
    }
    const r = N('hkdf', alg.hash.name, s.material, alg.salt, alg.info, length / 8);
    if (r === undefined) throw err('OperationError', `HKDF cannot derive ${length} bits with ${alg.hash.name}`);
    return r;
  }

  class SubtleCrypto {
    #brand;
    constructor() {
      if (illegal) throw new TypeError('Illegal constructor');
    }
    static {
      brand = (o) => {
        if (!isObject(o) || !(#brand in o)) throw new TypeError('Illegal invocation');
      };
    }

    async digest(algorithm, data) {
      brand(this);
      need(arguments, 2, 'digest');
      const buf = buffer(data, 'data');
      const alg = normalize('digest', algorithm);
      await null; // the rest runs "in parallel": after the caller's own microtasks
      return N('digest', alg.name, buf);
    }

    async generateKey(algorithm, extractable, keyUsages) {
      brand(this);
      need(arguments, 3, 'generateKey');
      extractable = !!extractable;
      const usages = toUsages(keyUsages);
      const alg = normalize('generateKey', algorithm);
      const name = alg.name;
      // The parameters are checked before the promise is returned (as browsers do, and WPT
      // expects); the usages after.
      let length;
      if (name === 'HMAC') {
        length = alg.length === undefined ? blockBits[alg.hash.name] : alg.length;
        if (length === 0) throw err('OperationError', 'HMAC key length must not be zero');
        if (length > 65536 * 8) throw err('OperationError', 'HMAC keys over 64 KiB are not supported');
      } else if (isAes(name)) {
        length = alg.length;
        if (length !== 128 && length !== 192 && length !== 256) {
          throw err('OperationError', 'AES key length must be 128, 192 or 256');
        }
      } else if (hasCurve(name)) {
        checkCurve(alg);
      } else if (isRsa(name)) {
        const e = new Uint8Array(alg.publicExponent);
        let ev = 0;
        for (let i = 0; i < e.length; i++) ev = ev * 256 + e[i];
        if (alg.modulusLength < 1024 || alg.modulusLength > 4096 || alg.modulusLength % 8 || (ev !== 3 && ev !== 65537)) {
          throw err('OperationError', 'RSA keys are generated with 1024 to 4096 bits (a multiple of 8) and the exponent 3 or 65537');
        }
      }
      await null;
      if (isRsa(name)) {
        checkUsages(usages, [...rsaUsages(name, true), ...rsaUsages(name, false)]);
        const privUsages = intersect(usages, rsaUsages(name, true));
        if (privUsages.length === 0) throw err('SyntaxError', 'A private key needs a usage');
        const der = N('rsa_generate', alg.modulusLength, alg.publicExponent);
        if (der === undefined) throw err('OperationError', 'RSA key generation failed');
        const pubDer = N('rsa_public', der);
        const out = rsaAlgorithm(name, alg.hash.name, pubDer, false);
        const publicKey = newKey('public', true, out, intersect(usages, rsaUsages(name, false)),
                                 { __proto__: null, der: pubDer });
        const privateKey = newKey('private', extractable, { __proto__: null, ...out }, privUsages,
                                  { __proto__: null, der });
        return { publicKey, privateKey };
      }
      if (name === 'HMAC' || isAes(name)) {
        checkUsages(usages, secretUsages[name]);
        const out = name === 'HMAC' ? { name, hash: alg.hash.name, length } : { name, length };
        if (usages.length === 0) throw err('SyntaxError', 'A secret key needs a usage');
        return newKey('secret', extractable, out, usages, randomKey(length));
      }
      // ECDSA, Ed25519, ECDH, X25519
      checkUsages(usages, [...publicUsages[name], ...privateUsages[name]]);
      const privUsages = intersect(usages, privateUsages[name]);
      if (privUsages.length === 0) throw err('SyntaxError', 'A private key needs a usage');
      const m = splitParts(kindOf(alg), N('generate', kindOf(alg)));
      const out = hasCurve(name) ? { name, namedCurve: alg.namedCurve } : { name };
      const publicKey = newKey('public', true, out, intersect(usages, publicUsages[name]),
                               { __proto__: null, pub: m.pub, priv: undefined });
      const privateKey = newKey('private', extractable, { __proto__: null, ...out }, privUsages,
                                { __proto__: null, pub: m.pub, priv: m.priv });
      return { publicKey, privateKey };
    }

    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      brand(this);
      need(arguments, 5, 'importKey');
      format = toFormat(format);
      if (format === 'jwk' ? !isObject(keyData) || copyOf(keyData) !== undefined
        : copyOf(keyData) === undefined) {
        throw new TypeError(format === 'jwk' ? 'keyData is not a JsonWebKey'
          : 'keyData is not an ArrayBuffer or ArrayBufferView');
      }
      extractable = !!extractable;
      const usages = toUsages(keyUsages);
      const alg = normalize('importKey', algorithm);
      await null;
      const key = isEc(alg.name) || isOkp(alg.name)
        ? importAsymmetric(format, keyData, alg, extractable, usages)
        : isRsa(alg.name) ? importRsa(format, keyData, alg, extractable, usages)
          : importSecret(format, keyData, alg, extractable, usages);
      const s = slots(key);
      if (s.type !== 'public' && usages.length === 0) {
        throw err('SyntaxError', `A ${s.type} key needs a usage`);
      }
      return key;
    }

    async exportKey(format, key) {
      brand(this);
      need(arguments, 2, 'exportKey');
      format = toFormat(format);
      const s = slots(key);
      await null;
      const name = s.alg.name;
      if (name === 'PBKDF2' || name === 'HKDF') throw err('NotSupportedError', `${name} keys cannot be exported`);
      if (!s.extractable) throw err('InvalidAccessError', 'The key is not extractable');
      let r;
      if (s.type === 'secret') {
        if (format === 'raw') {
          r = sliceBuf(s.material, 0, byteLength(s.material));
        } else if (format === 'jwk') {
          r = { kty: 'oct', k: b64encode(s.material),
                alg: name === 'HMAC' ? hmacJwkAlg[s.alg.hash] : `A${s.alg.length}${aesSuffix[name]}` };
        } else {
          throw err('NotSupportedError', `Format '${format}' is not supported for ${name} keys`);
        }
      } else if (isRsa(name)) {
        r = exportRsa(format, s);
      } else {
        r = exportAsymmetric(format, s);
      }
      if (r === undefined) throw err('OperationError', 'Export failed');
      if (format === 'jwk') {
        r.key_ops = copyList(s.usages);
        r.ext = s.extractable;
      }
      return r;
    }

    async sign(algorithm, key, data) {
      brand(this);
      need(arguments, 3, 'sign');
      keyArg(key);
      const buf = buffer(data, 'data');
      const alg = normalize('sign', algorithm);
      await null;
      const s = useKey(key, alg, 'sign');
      if (alg.name === 'RSA-PSS' && alg.saltLength > 1024) throw err('OperationError', 'saltLength is too long for the key');
      const r = alg.name === 'HMAC' ? N('hmac', s.alg.hash, s.material, buf)
        : isRsa(alg.name) ? N('rsa_sign', alg.name === 'RSA-PSS', s.alg.hash, s.material.der, buf,
                              alg.name === 'RSA-PSS' ? alg.saltLength : 0)
          : N('sign', kindOf(s.alg), alg.name === 'ECDSA' ? alg.hash.name : undefined,
              s.material.pub, s.material.priv, buf);
      if (r === undefined) throw err('OperationError', 'Signing failed');
      return r;
    }

    async verify(algorithm, key, signature, data) {
      brand(this);
      need(arguments, 4, 'verify');
      keyArg(key);
      const sig = buffer(signature, 'signature');
      const buf = buffer(data, 'data');
      const alg = normalize('verify', algorithm);
      await null;
      const s = useKey(key, alg, 'verify');
      if (alg.name === 'RSA-PSS' && alg.saltLength > 1024) return false;
      const r = alg.name === 'HMAC' ? N('hmac_verify', s.alg.hash, s.material, buf, sig)
        : isRsa(alg.name) ? N('rsa_verify', alg.name === 'RSA-PSS', s.alg.hash, s.material.der, buf, sig,
                              alg.name === 'RSA-PSS' ? alg.saltLength : 0)
          : N('verify', kindOf(s.alg), alg.name === 'ECDSA' ? alg.hash.name : undefined,
              s.material.pub, buf, sig);
      if (r === undefined) throw err('OperationError', 'Verification failed');
      return r;
    }

    async encrypt(algorithm, key, data) {
      brand(this);
      need(arguments, 3, 'encrypt');
      return cipher(true, algorithm, key, data);
    }

    async decrypt(algorithm, key, data) {
      brand(this);
      need(arguments, 3, 'decrypt');
      return cipher(false, algorithm, key, data);
    }

    async deriveBits(algorithm, baseKey, length) {
      brand(this);
      need(arguments, 2, 'deriveBits');
      keyArg(baseKey);
      if (length !== undefined && length !== null) length = enforceRange(length, 0xffffffff, 'length');
      const alg = normalize('deriveBits', algorithm);
      await null;
      const s = useKey(baseKey, alg, 'deriveBits');
      return deriveBitsOf(alg, s, length);
    }

    async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
      brand(this);
      need(arguments, 5, 'deriveKey');
      keyArg(baseKey);
      extractable = !!extractable;
      const usages = toUsages(keyUsages);
      const alg = normalize('deriveBits', algorithm);
      const importAlg = normalize('importKey', derivedKeyType);
      const lenAlg = normalize('getKeyLength', derivedKeyType);
      await null;
      const s = useKey(baseKey, alg, 'deriveKey');
      let length;
      if (isAes(lenAlg.name)) {
        length = lenAlg.length;
        if (length !== 128 && length !== 192 && length !== 256) {
          throw err('OperationError', 'AES key length must be 128, 192 or 256');
        }
      } else {
        length = lenAlg.length === undefined ? blockBits[lenAlg.hash.name] : lenAlg.length;
        if (length === 0) throw new TypeError('HMAC key length must not be zero');
      }
      const secret = deriveBitsOf(alg, s, Math.ceil(length / 8) * 8);
      const key = importSecret('raw', secret, importAlg, extractable, usages);
      if (usages.length === 0) throw err('SyntaxError', 'A secret key needs a usage');
      return key;
    }

    // wrapKey = exportKey, then encrypt (or AES-KW) with the wrapping key.
    async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
      brand(this);
      need(arguments, 4, 'wrapKey');
      format = toFormat(format);
      keyArg(key);
      keyArg(wrappingKey);
      const alg = normalizeWrap(wrapAlgorithm);
      await null;
      const w = useKey(wrappingKey, alg, 'wrapKey');
      const s = slots(key);
      if (!s.extractable) throw err('InvalidAccessError', 'The key is not extractable');
      const exported = await apply(methods.exportKey, this, [format, key]);
      const bytes = format === 'jwk' ? H.utf8Encode(stringify(exported)) : exported;
      if (alg.name === 'AES-KW') {
        const r = N('aes_kw', true, w.material, bytes);
        if (r === undefined) throw err('OperationError', 'AES-KW wraps multiples of 8 bytes, at least 16');
        return r;
      }
      return cipherWith(true, alg, w, bytes);
    }

    // unwrapKey = decrypt (or AES-KW) with the unwrapping key, then importKey.
    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm,
                    extractable, keyUsages) {
      brand(this);
      need(arguments, 7, 'unwrapKey');
      format = toFormat(format);
      const wrapped = buffer(wrappedKey, 'wrappedKey');
      keyArg(unwrappingKey);
      const alg = normalizeWrap(unwrapAlgorithm);
      normalize('importKey', unwrappedKeyAlgorithm);
      toUsages(keyUsages);
      await null;
      const w = useKey(unwrappingKey, alg, 'unwrapKey');
      let bytes;
      if (alg.name === 'AES-KW') {
        bytes = N('aes_kw', false, w.material, wrapped);
        if (bytes === undefined) throw err('OperationError', 'AES-KW unwrapping failed');
      } else {
        bytes = cipherWith(false, alg, w, wrapped);
      }
      let keyData = bytes;
      if (format === 'jwk') {
        const text = H.utf8Decode(new Uint8Array(bytes));
        try {
          // Objects without a prototype: importKey reads absent members, and a getter on
          // Object.prototype would be called with the unwrapped (maybe secret) key as `this`.
          keyData = parse(text === undefined ? '' : text,
                          (k, v) => (isObject(v) && !isArray(v) ? { __proto__: null, ...v } : v));
        } catch {
          throw err('DataError', 'The unwrapped key is not JSON');
        }
      }
      return apply(methods.importKey, this, [format, keyData, unwrappedKeyAlgorithm, extractable, keyUsages]);
    }

    // Cloudflare Workers' extension: constant-time comparison of two equal-length buffers.
    timingSafeEqual(a, b) {
      brand(this);
      need(arguments, 2, 'timingSafeEqual');
      const x = buffer(a, 'a'), y = buffer(b, 'b');
      if (byteLength(x) !== byteLength(y)) throw new TypeError('Input buffers must have the same byte length');
      return N('equal', x, y);
    }
  }

  async function cipher(encrypt, algorithm, key, data) {
    keyArg(key);
    const buf = buffer(data, 'data');
    const alg = normalize('encrypt', algorithm);
    await null;
    return cipherWith(encrypt, alg, useKey(key, alg, encrypt ? 'encrypt' : 'decrypt'), buf);
  }

  // The wrap algorithm: AES-KW, or one that encrypts.
  const normalizeWrap = (algorithm) => {
    try {
      return normalize('wrapKey', algorithm);
    } catch (e) {
      if (!(e instanceof DOMException) || e.name !== 'NotSupportedError') throw e;
      return normalize('encrypt', algorithm);
    }
  };

  // encrypt/decrypt of buf with key record s (algorithm and usage already checked).
  function cipherWith(encrypt, alg, s, buf) {
    if (alg.name === 'RSA-OAEP') {
      if (s.type !== (encrypt ? 'public' : 'private')) {
        throw err('InvalidAccessError', `RSA-OAEP ${encrypt ? 'encrypts with a public' : 'decrypts with a private'} key`);
      }
      const r = N('rsa_oaep', encrypt, s.alg.hash, s.material.der, alg.label, buf);
      if (r === undefined) throw err('OperationError', encrypt ? 'Encryption failed (data too long?)' : 'Decryption failed');
      return r;
    }
    if (alg.name === 'AES-CBC') {
      if (byteLength(alg.iv) !== 16) throw err('OperationError', 'The AES-CBC iv must be 16 bytes long');
      const r = N('aes_cbc', encrypt, s.material, alg.iv, buf);
      if (r === undefined) throw err('OperationError', encrypt ? 'Encryption failed' : 'Decryption failed (bad padding?)');
      return r;
    }
    if (alg.name === 'AES-CTR') {
      if (byteLength(alg.counter) !== 16) throw err('OperationError', 'The AES-CTR counter must be 16 bytes long');
      if (alg.length === 0 || alg.length > 128) throw err('OperationError', 'The AES-CTR length must be 1 to 128');
      const r = N('aes_ctr', s.material, alg.counter, alg.length, buf);
      if (r === undefined) throw err('OperationError', 'The data is too long for the counter length');
      return r;
    }
    const tagLength = alg.tagLength === undefined ? 128 : alg.tagLength;
    if (!has([32, 64, 96, 104, 112, 120, 128], tagLength)) {
      throw err('OperationError', `tagLength ${tagLength} is not valid for AES-GCM`);
    }
    const ivLength = byteLength(alg.iv);
    if (ivLength === 0 || ivLength > 128) {
      throw err('OperationError', 'The AES-GCM iv must be 1 to 128 bytes long');
    }
    if (!encrypt && byteLength(buf) < tagLength / 8) {
      throw err('OperationError', 'The data is shorter than the tag');
    }
    const r = N('aes_gcm', encrypt, s.material, alg.iv, alg.additionalData, tagLength / 8, buf);
    if (r === undefined) throw err('OperationError', encrypt ? 'Encryption failed' : 'Decryption failed');
    return r;
  }

  // The methods as defined (wrapKey/unwrapKey call these, not what the guest put there).
  const methods = { __proto__: null, exportKey: SubtleCrypto.prototype.exportKey,
                    importKey: SubtleCrypto.prototype.importKey };
  Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });
  const subtle = new SubtleCrypto();
  illegal = true;
  return { __proto__: null, SubtleCrypto, CryptoKey, '%subtle': subtle };
})
