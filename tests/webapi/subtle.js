// crypto.subtle: known-answer vectors (FIPS 180, RFC 4231, NIST GCM, RFC 6979, RFC 8032,
// RFC 6070, RFC 5869), round trips, and the errors WebCrypto specifies.
const hex = (s) => new Uint8Array(s.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
const toHex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const utf8 = (s) => new TextEncoder().encode(s);
const S = crypto.subtle;

test('subtle object shape', () => {
  assert(S instanceof SubtleCrypto);
  assertEq(crypto.subtle, S);
  assertEq(Object.prototype.toString.call(S), '[object SubtleCrypto]');
  assertThrows(() => new SubtleCrypto(), TypeError);
  assertThrows(() => new CryptoKey(), TypeError);
  const d = Object.getOwnPropertyDescriptor(Crypto.prototype, 'subtle');
  assert(typeof d.get === 'function' && d.set === undefined);
  assertThrows(() => d.get.call({}), TypeError);
  for (const m of ['digest', 'sign', 'verify', 'encrypt', 'decrypt', 'generateKey', 'importKey',
    'exportKey', 'deriveBits', 'deriveKey', 'wrapKey', 'unwrapKey']) {
    assertEq(typeof S[m], 'function', m);
  }
});

test('methods return promises and reject (never throw) on bad arguments', async () => {
  const p = S.digest('SHA-256');
  assert(p instanceof Promise);
  await assertRejects(p, TypeError);
  await assertRejects(S.digest('SHA-256', 'not a buffer'), TypeError);
  await assertRejects(S.digest('MD5', new Uint8Array(1)), 'NotSupportedError');
  await assertRejects(S.digest({}, new Uint8Array(1)), TypeError);
  await assertRejects(S.digest.call({}, 'SHA-256', new Uint8Array(1)), TypeError);
  await assertRejects(S.digest.call(Object.create(SubtleCrypto.prototype), 'SHA-256', new Uint8Array(1)), TypeError);
  await assertRejects(S.wrapKey('raw', null, null, 'AES-KW'), TypeError);
  await assertRejects(S.encrypt('AES-CBC', null, new Uint8Array(1)), TypeError);
});

test('argument errors reject at once; operation errors after the microtasks queued by the caller', async () => {
  const order = [];
  const track = (p, tag) => p.then(() => order.push(`${tag} resolved`), (e) => order.push(`${tag} ${e.name}`));
  const key = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
  const all = [
    track(S.generateKey({ name: 'AES-GCM', length: 128 }, true, ['sign']), 'usages'),
    track(S.generateKey({ name: 'AES-GCM', length: 64 }, true, ['encrypt']), 'length'),
    track(S.generateKey({ name: 'AES' }, true, ['encrypt']), 'algorithm'),
    track(S.sign('HMAC', key, new Uint8Array(1)), 'sign'),
    track(S.digest('SHA-256', new Uint8Array(1)), 'digest'),
  ];
  const mark = Promise.resolve().then(() => order.push('microtask'));
  await Promise.all([...all, mark]);
  assertEq(order.join(), 'length OperationError,algorithm NotSupportedError,microtask,' +
           'usages SyntaxError,sign InvalidAccessError,digest resolved');
});

test('digest: FIPS 180 vectors', async () => {
  const abc = utf8('abc');
  const want = {
    'SHA-1': 'a9993e364706816aba3e25717850c26c9cd0d89d',
    'SHA-256': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    'SHA-384': 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    'SHA-512': 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  };
  for (const [name, h] of Object.entries(want)) {
    const r = await S.digest(name, abc);
    assert(r instanceof ArrayBuffer, name);
    assertEq(toHex(r), h, name);
    assertEq(toHex(await S.digest({ name: name.toLowerCase() }, abc.buffer)), h, `${name} lower case, ArrayBuffer`);
  }
  assertEq(toHex(await S.digest('SHA-256', new Uint8Array(0))),
           'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assertEq(toHex(await S.digest('SHA-1', new DataView(utf8('xxabcxx').buffer, 2, 3))),
           'a9993e364706816aba3e25717850c26c9cd0d89d', 'a DataView window');
  // One million 'a' (FIPS 180-2 appendix).
  assertEq(toHex(await S.digest('SHA-256', new Uint8Array(1e6).fill(97))),
           'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

test('digest copies its input when called', async () => {
  const data = utf8('abc');
  const p = S.digest('SHA-256', data);
  data.fill(0);
  assertEq(toHex(await p), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('inputs over 64 MiB are refused with a RangeError', async () => {
  const big = new Uint8Array(64 * 1024 * 1024 + 1);
  await assertRejects(S.digest('SHA-256', big), RangeError);
  assertEq((await S.digest('SHA-1', big.subarray(1))).byteLength, 20);
});

// ---- HMAC ------------------------------------------------------------------------------------

const rfc4231 = [
  // [key, data, sha-256, sha-384, sha-512] (test cases 1, 2, 6)
  ['0b'.repeat(20), utf8('Hi There'),
   'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
   'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
   '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854'],
  [toHex(utf8('Jefe')), utf8('what do ya want for nothing?'),
   '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', null,
   '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737'],
  ['aa'.repeat(131), utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
   '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', null, null],
];

test('HMAC: RFC 4231 vectors, sign and verify', async () => {
  for (const [k, data, ...macs] of rfc4231) {
    for (const [i, hash] of ['SHA-256', 'SHA-384', 'SHA-512'].entries()) {
      if (!macs[i]) continue;
      const key = await S.importKey('raw', hex(k), { name: 'HMAC', hash }, false, ['sign', 'verify']);
      const mac = await S.sign('HMAC', key, data);
      assertEq(toHex(mac), macs[i], hash);
      assertEq(await S.verify('HMAC', key, mac, data), true);
      const bad = new Uint8Array(mac);
      bad[bad.length - 1] ^= 1;
      assertEq(await S.verify('HMAC', key, bad, data), false);
      assertEq(await S.verify('HMAC', key, bad.subarray(1), data), false, 'short signature');
      assertEq(await S.verify({ name: 'hmac' }, key, mac, utf8('other')), false);
    }
  }
  const k1 = await S.importKey('raw', hex('0b'.repeat(20)), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  assertEq(toHex(await S.sign('HMAC', k1, utf8('Hi There'))), 'b617318655057264e28bc0b6fb378c8ef146be00');
});

test('HMAC: keys, export and jwk', async () => {
  const key = await S.importKey('raw', hex('0b'.repeat(20)), { name: 'HMAC', hash: { name: 'SHA-256' } }, true, ['verify', 'sign', 'sign']);
  assert(key instanceof CryptoKey);
  assertEq(Object.prototype.toString.call(key), '[object CryptoKey]');
  assertEq(key.type, 'secret');
  assertEq(key.extractable, true);
  assertEq(JSON.stringify(key.algorithm), '{"name":"HMAC","hash":{"name":"SHA-256"},"length":160}');
  assertEq(key.algorithm, key.algorithm, 'algorithm is cached');
  assertArrayEq(key.usages, ['sign', 'verify']);
  assertEq(toHex(await S.exportKey('raw', key)), '0b'.repeat(20));
  const jwk = await S.exportKey('jwk', key);
  assertEq(JSON.stringify(jwk), '{"kty":"oct","k":"CwsLCwsLCwsLCwsLCwsLCwsLCws","alg":"HS256","key_ops":["sign","verify"],"ext":true}');
  const back = await S.importKey('jwk', jwk, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  assertEq(toHex(await S.sign('HMAC', back, utf8('Hi There'))), rfc4231[0][2]);
  // Guest tampering with the public algorithm object changes nothing inside.
  key.algorithm.hash.name = 'SHA-512';
  assertEq(toHex(await S.sign('HMAC', key, utf8('Hi There'))), rfc4231[0][2]);
  // Generated keys: block-size length by default.
  const g = await S.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['sign']);
  assertEq(g.algorithm.length, 1024);
  assertEq((await S.exportKey('raw', g)).byteLength, 128);
  const g2 = await S.generateKey({ name: 'HMAC', hash: 'SHA-1', length: 100 }, true, ['sign']);
  assertEq(g2.algorithm.length, 100);
  const raw = new Uint8Array(await S.exportKey('raw', g2));
  assertEq(raw.length, 13);
  assertEq(raw[12] & 0x0f, 0, 'unused bits are zero');
});

test('HMAC: errors', async () => {
  const h = { name: 'HMAC', hash: 'SHA-256' };
  await assertRejects(S.importKey('raw', new Uint8Array(0), h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('raw', new Uint8Array(4), h, true, []), 'SyntaxError');
  await assertRejects(S.importKey('raw', new Uint8Array(4), h, true, ['encrypt']), 'SyntaxError');
  await assertRejects(S.importKey('raw', new Uint8Array(4), h, true, ['bogus']), TypeError);
  await assertRejects(S.importKey('raw', new Uint8Array(4), { name: 'HMAC' }, true, ['sign']), TypeError);
  await assertRejects(S.importKey('raw', new Uint8Array(4), { name: 'HMAC', hash: 'MD5' }, true, ['sign']), 'NotSupportedError');
  await assertRejects(S.importKey('raw', new Uint8Array(4), { ...h, length: 33 }, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('raw', new Uint8Array(4), { ...h, length: 24 }, true, ['sign']), 'DataError');
  assertEq((await S.importKey('raw', new Uint8Array(4), { ...h, length: 25 }, true, ['sign'])).algorithm.length, 25);
  await assertRejects(S.importKey('spki', new Uint8Array(4), h, true, ['sign']), 'NotSupportedError');
  await assertRejects(S.importKey('pem', new Uint8Array(4), h, true, ['sign']), TypeError);
  await assertRejects(S.importKey('jwk', new Uint8Array(4), h, true, ['sign']), TypeError);
  await assertRejects(S.importKey('jwk', 'x', h, true, ['sign']), TypeError);
  await assertRejects(S.importKey('raw', {}, h, true, ['sign']), TypeError);
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AAAA', alg: 'HS512' }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'RSA', k: 'AAAA' }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AA+A' }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AAAA', ext: false }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AAAA', key_ops: ['verify'] }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AAAA', use: 'enc' }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'oct' }, h, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('raw', new Uint8Array(65537), h, true, ['sign']), 'DataError');
  await assertRejects(S.generateKey({ ...h, length: 0 }, true, ['sign']), 'OperationError');
  await assertRejects(S.generateKey(h, true, []), 'SyntaxError');
  const key = await S.importKey('raw', new Uint8Array(4), h, false, ['sign']);
  await assertRejects(S.exportKey('raw', key), 'InvalidAccessError');
  await assertRejects(S.exportKey('jwk', key), 'InvalidAccessError');
  await assertRejects(S.verify('HMAC', key, new Uint8Array(32), new Uint8Array(1)), 'InvalidAccessError');
  await assertRejects(S.sign('ECDSA', key, new Uint8Array(1)), TypeError, 'ECDSA params need a hash');
  await assertRejects(S.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(1)), 'InvalidAccessError');
  await assertRejects(S.sign('HMAC', {}, new Uint8Array(1)), TypeError);
  await assertRejects(S.sign('HMAC', Object.create(CryptoKey.prototype), new Uint8Array(1)), TypeError);
  assertThrows(() => Object.getOwnPropertyDescriptor(CryptoKey.prototype, 'type').get.call({}), TypeError);
});

test('non-extractable key material is not reachable', async () => {
  const key = await S.importKey('raw', utf8('secret-key-bytes'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  assertArrayEq(Reflect.ownKeys(key), []);
  const seen = [];
  // A hostile realm: setters and patched built-ins that would see anything passed through them.
  Object.defineProperty(Object.prototype, 'priv', { set(v) { seen.push(v); }, configurable: true });
  Object.defineProperty(Object.prototype, 'pub', { set(v) { seen.push(v); }, configurable: true });
  const saved = [Uint8Array.prototype.slice, Array.prototype.slice, WeakMap.prototype.get];
  Uint8Array.prototype.slice = function (...a) { seen.push(this); return saved[0].apply(this, a); };
  WeakMap.prototype.get = function (k) { seen.push(k); return saved[2].call(this, k); };
  try {
    await S.sign('HMAC', key, utf8('x'));
    const pair = await S.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    await S.sign('Ed25519', pair.privateKey, utf8('x'));
    await assertRejects(S.exportKey('pkcs8', pair.privateKey), 'InvalidAccessError');
    const ec = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, utf8('x'));
    await assertRejects(S.exportKey('jwk', ec.privateKey), 'InvalidAccessError');
  } finally {
    delete Object.prototype.priv;
    delete Object.prototype.pub;
    Uint8Array.prototype.slice = saved[0];
    WeakMap.prototype.get = saved[2];
  }
  assertEq(seen.length, 0, 'nothing passed through guest code');
});

test('non-extractable key material is not reachable: hostile Array and Object prototypes', async () => {
  // Prepared before the hooks: key bytes the worker holds legitimately.
  const rsa = await S.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign']);
  const pkcs8 = await S.exportKey('pkcs8', rsa.privateKey);
  const kek = await S.generateKey({ name: 'AES-GCM', length: 128 }, false, ['wrapKey', 'unwrapKey']);
  const iv = new Uint8Array(12);
  const wrapped = await S.wrapKey('jwk', rsa.privateKey, kek, { name: 'AES-GCM', iv });
  const ecdh = await S.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveKey']);
  const mine = new WeakSet([pkcs8, wrapped, iv]);
  let seen = 0; // a count: an array would go through the hooks below
  const push = Array.prototype.push, hasOwn = Object.hasOwn, isView = ArrayBuffer.isView;
  const secretish = (v) => typeof v === 'object' && v !== null && !mine.has(v) &&
    (v instanceof ArrayBuffer || isView(v) || hasOwn(v, 'd'));
  const record = (v) => { if (secretish(v)) seen++; };
  const names = ['0', '1', '2', '3', '4', '5', '6', '7'];
  for (const n of names) {
    Object.defineProperty(Array.prototype, n, { configurable: true, set(v) {
      record(v);
      Object.defineProperty(this, n, { value: v, writable: true, enumerable: true, configurable: true });
    } });
  }
  const jwkNames = ['alg', 'crv', 'd', 'dp', 'dq', 'e', 'ext', 'k', 'key_ops', 'kty', 'n', 'p', 'q', 'qi', 'use', 'x', 'y', 'toJSON'];
  for (const n of jwkNames) {
    Object.defineProperty(Object.prototype, n, { configurable: true, get() { record(this); return undefined; } });
  }
  Array.prototype.push = function (...a) { for (let i = 0; i < a.length; i++) record(a[i]); return push.apply(this, a); };
  let ok;
  try {
    const k1 = await S.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    await S.sign('RSASSA-PKCS1-v1_5', k1, new Uint8Array(4));
    const k2 = await S.unwrapKey('jwk', wrapped, kek, { name: 'AES-GCM', iv }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    await S.sign('RSASSA-PKCS1-v1_5', k2, new Uint8Array(4));
    const other = await S.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    const aes = await S.deriveKey({ name: 'ECDH', public: other.publicKey }, ecdh.privateKey, { name: 'AES-GCM', length: 128 }, false, ['encrypt']);
    await S.encrypt({ name: 'AES-GCM', iv }, aes, new Uint8Array(4));
    const hk = await S.importKey('raw', new Uint8Array(16), 'HKDF', false, ['deriveKey']);
    await S.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: iv, info: iv }, hk, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    ok = true;
  } finally {
    for (const n of names) delete Array.prototype[n];
    for (const n of jwkNames) delete Object.prototype[n];
    Array.prototype.push = push;
  }
  assert(ok);
  assertEq(seen, 0, 'nothing secret passed through guest code');
});

test('CryptoKey cannot be cloned (DataCloneError, never a silent empty object)', async () => {
  const key = await S.generateKey({ name: 'AES-GCM', length: 128 }, true, ['encrypt']);
  assertThrows(() => structuredClone(key), 'DataCloneError');
  assertThrows(() => structuredClone({ k: [key] }), 'DataCloneError');
  assertThrows(() => structuredClone(S), 'DataCloneError');
});

test('timingSafeEqual (Cloudflare extension)', () => {
  assertEq(S.timingSafeEqual(utf8('abc'), utf8('abc')), true);
  assertEq(S.timingSafeEqual(utf8('abc'), utf8('abd').buffer), false);
  assertEq(S.timingSafeEqual(new Uint8Array(0), new ArrayBuffer(0)), true);
  assertThrows(() => S.timingSafeEqual(utf8('abc'), utf8('ab')), TypeError);
  assertThrows(() => S.timingSafeEqual('abc', 'abc'), TypeError);
});

// ---- AES-GCM ---------------------------------------------------------------------------------

// The GCM specification's test cases 2, 3, 4 and 16 (McGrew & Viega), as used by NIST CAVP.
const gcmP = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const gcmC = '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985';
const gcmK = 'feffe9928665731c6d6a8f9467308308';
const gcmA = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const gcmIV = 'cafebabefacedbaddecaf888';
const gcmVectors = [
  { k: '00'.repeat(16), iv: '00'.repeat(12), p: '00'.repeat(16), c: '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf' },
  { k: gcmK, iv: gcmIV, p: gcmP, c: `${gcmC}4d5c2af327cd64a62cf35abd2ba6fab4` },
  { k: gcmK, iv: gcmIV, p: gcmP.slice(0, 120), a: gcmA, c: `${gcmC.slice(0, 120)}5bc94fbc3221a5db94fae95ae7121a47` },
  { k: gcmK + gcmK, iv: gcmIV, p: gcmP.slice(0, 120), a: gcmA,
    c: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b' },
];

test('AES-GCM: NIST vectors, encrypt and decrypt', async () => {
  for (const v of gcmVectors) {
    const key = await S.importKey('raw', hex(v.k), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: hex(v.iv), ...(v.a ? { additionalData: hex(v.a) } : {}) };
    assertEq(toHex(await S.encrypt(params, key, hex(v.p))), v.c);
    assertEq(toHex(await S.decrypt(params, key, hex(v.c))), v.p);
    // 96-bit tag: the first 12 bytes of the full tag.
    const short = await S.encrypt({ ...params, tagLength: 96 }, key, hex(v.p));
    assertEq(toHex(short), v.c.slice(0, v.c.length - 8));
    assertEq(toHex(await S.decrypt({ ...params, tagLength: 96 }, key, short)), v.p);
  }
});

test('AES-GCM: tampering and wrong parameters fail with OperationError', async () => {
  const v = gcmVectors[2];
  const key = await S.importKey('raw', hex(v.k), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const params = { name: 'AES-GCM', iv: hex(v.iv), additionalData: hex(v.a) };
  const c = hex(v.c);
  for (const i of [0, 30, c.length - 1]) {
    const t = c.slice();
    t[i] ^= 0x80;
    await assertRejects(S.decrypt(params, key, t), 'OperationError', `byte ${i}`);
  }
  await assertRejects(S.decrypt({ ...params, additionalData: hex(gcmA.replace('fe', 'ff')) }, key, c), 'OperationError');
  await assertRejects(S.decrypt({ name: 'AES-GCM', iv: hex(v.iv) }, key, c), 'OperationError', 'missing aad');
  await assertRejects(S.decrypt({ ...params, iv: hex(v.iv).subarray(1) }, key, c), 'OperationError');
  await assertRejects(S.decrypt(params, key, c.subarray(0, 15)), 'OperationError', 'shorter than the tag');
  await assertRejects(S.encrypt({ ...params, tagLength: 100 }, key, c), 'OperationError');
  await assertRejects(S.encrypt({ ...params, tagLength: 256 }, key, c), TypeError);
  await assertRejects(S.encrypt({ ...params, iv: new Uint8Array(0) }, key, c), 'OperationError');
  await assertRejects(S.encrypt({ name: 'AES-GCM' }, key, c), TypeError, 'iv is required');
  const other = await S.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['decrypt']);
  await assertRejects(S.decrypt(params, other, c), 'OperationError');
  await assertRejects(S.encrypt(params, other, c), 'InvalidAccessError');
});

test('AES-GCM: keys', async () => {
  for (const length of [128, 192, 256]) {
    const key = await S.generateKey({ name: 'AES-GCM', length }, true, ['encrypt', 'decrypt']);
    assertEq(JSON.stringify(key.algorithm), `{"name":"AES-GCM","length":${length}}`);
    const raw = await S.exportKey('raw', key);
    assertEq(raw.byteLength, length / 8);
    const jwk = await S.exportKey('jwk', key);
    assertEq(jwk.alg, `A${length}GCM`);
    assertEq(jwk.kty, 'oct');
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const c = await S.encrypt({ name: 'AES-GCM', iv }, key, utf8('hello'));
    const k2 = await S.importKey('jwk', jwk, 'AES-GCM', false, ['decrypt']);
    assertEq(new TextDecoder().decode(await S.decrypt({ name: 'AES-GCM', iv }, k2, c)), 'hello');
  }
  await assertRejects(S.generateKey({ name: 'AES-GCM', length: 100 }, true, ['encrypt']), 'OperationError');
  await assertRejects(S.generateKey({ name: 'AES-GCM' }, true, ['encrypt']), TypeError);
  await assertRejects(S.generateKey({ name: 'AES-GCM', length: 128 }, true, ['sign']), 'SyntaxError');
  await assertRejects(S.importKey('raw', new Uint8Array(20), 'AES-GCM', true, ['encrypt']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA', alg: 'A256GCM' }, 'AES-GCM', true, ['encrypt']), 'DataError');
  const ok = await S.importKey('jwk', { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA', alg: 'A128GCM' }, 'AES-GCM', true, ['encrypt']);
  assertEq(ok.algorithm.length, 128);
  // Empty plaintext and a long iv.
  const key = await S.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const p = { name: 'AES-GCM', iv: new Uint8Array(64), tagLength: 32 };
  const c = await S.encrypt(p, key, new Uint8Array(0));
  assertEq(c.byteLength, 4);
  assertEq((await S.decrypt(p, key, c)).byteLength, 0);
});

// ---- AES-CBC, AES-CTR, AES-KW, wrapKey/unwrapKey -------------------------------------------

// NIST SP 800-38A F.2.1 and F.5.1 (AES-128).
const sp38aK = '2b7e151628aed2a6abf7158809cf4f3c';
const sp38aP = '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';

test('AES-CBC: SP 800-38A vector (plus the PKCS #7 block), padding errors', async () => {
  const key = await S.importKey('raw', hex(sp38aK), 'AES-CBC', true, ['encrypt', 'decrypt']);
  const iv = hex('000102030405060708090a0b0c0d0e0f');
  const c = await S.encrypt({ name: 'AES-CBC', iv }, key, hex(sp38aP));
  assertEq(c.byteLength, 80);
  assertEq(toHex(c).slice(0, 128), '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7');
  assertEq(toHex(await S.decrypt({ name: 'AES-CBC', iv }, key, c)), sp38aP);
  assertEq((await S.encrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(0))).byteLength, 16);
  await assertRejects(S.decrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(c).subarray(0, 64)), 'OperationError', 'no padding block');
  await assertRejects(S.decrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(c).subarray(0, 70)), 'OperationError', 'not whole blocks');
  await assertRejects(S.encrypt({ name: 'AES-CBC', iv: iv.subarray(1) }, key, hex(sp38aP)), 'OperationError', 'short iv');
  await assertRejects(S.encrypt({ name: 'AES-CBC' }, key, hex(sp38aP)), TypeError);
  assertEq((await S.exportKey('jwk', key)).alg, 'A128CBC');
});

test('AES-CTR: SP 800-38A vector, counter length wrap', async () => {
  const key = await S.importKey('raw', hex(sp38aK), 'AES-CTR', true, ['encrypt', 'decrypt']);
  const counter = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  const want = '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee';
  for (const length of [128, 64, 17]) {
    assertEq(toHex(await S.encrypt({ name: 'AES-CTR', counter, length }, key, hex(sp38aP))), want, `${length}`);
  }
  // With an 8-bit counter, 0xff wraps to 0x00 without carrying into the rest of the block.
  const wrapped = '874d6191b620e3261bef6864990db6cee3256531c56fd498e4670c36587faba6253c594b7231e8509db37a4397a171743e0b062e8d1409a934cad10ece711250';
  assertEq(toHex(await S.encrypt({ name: 'AES-CTR', counter, length: 8 }, key, hex(sp38aP))), wrapped);
  assertEq(toHex(await S.decrypt({ name: 'AES-CTR', counter, length: 8 }, key, hex(wrapped))), sp38aP);
  await assertRejects(S.encrypt({ name: 'AES-CTR', counter, length: 1 }, key, new Uint8Array(33)), 'OperationError', '3 blocks, 2 counters');
  assertEq((await S.encrypt({ name: 'AES-CTR', counter, length: 1 }, key, new Uint8Array(32))).byteLength, 32);
  await assertRejects(S.encrypt({ name: 'AES-CTR', counter, length: 0 }, key, new Uint8Array(1)), 'OperationError');
  await assertRejects(S.encrypt({ name: 'AES-CTR', counter, length: 129 }, key, new Uint8Array(1)), 'OperationError');
  await assertRejects(S.encrypt({ name: 'AES-CTR', counter: counter.subarray(1), length: 64 }, key, new Uint8Array(1)), 'OperationError');
  await assertRejects(S.encrypt({ name: 'AES-CTR', counter }, key, new Uint8Array(1)), TypeError);
});

test('AES-KW: RFC 3394 4.1 through wrapKey/unwrapKey', async () => {
  const kek = await S.importKey('raw', hex('000102030405060708090a0b0c0d0e0f'), 'AES-KW', false, ['wrapKey', 'unwrapKey']);
  const key = await S.importKey('raw', hex('00112233445566778899aabbccddeeff'), 'AES-GCM', true, ['encrypt']);
  const wrapped = await S.wrapKey('raw', key, kek, 'AES-KW');
  assertEq(toHex(wrapped), '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5');
  const back = await S.unwrapKey('raw', wrapped, kek, { name: 'AES-KW' }, 'AES-GCM', true, ['decrypt']);
  assertEq(toHex(await S.exportKey('raw', back)), '00112233445566778899aabbccddeeff');
  assertArrayEq(back.usages, ['decrypt']);
  const bad = new Uint8Array(wrapped);
  bad[3] ^= 1;
  await assertRejects(S.unwrapKey('raw', bad, kek, 'AES-KW', 'AES-GCM', true, ['decrypt']), 'OperationError');
  await assertRejects(S.encrypt('AES-KW', kek, new Uint8Array(16)), 'NotSupportedError');
  const secret = await S.importKey('raw', hex('00112233445566778899aabbccddeeff'), 'AES-GCM', false, ['encrypt']);
  await assertRejects(S.wrapKey('raw', secret, kek, 'AES-KW'), 'InvalidAccessError', 'not extractable');
  const hmac = await S.importKey('raw', new Uint8Array(5), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  await assertRejects(S.wrapKey('raw', hmac, kek, 'AES-KW'), 'OperationError', '5 bytes');
});

test('wrapKey/unwrapKey with AES-GCM and RSA-OAEP, jwk and pkcs8', async () => {
  const gcm = await S.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
  const ec = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const iv = new Uint8Array(12);
  for (const format of ['jwk', 'pkcs8']) {
    const w = await S.wrapKey(format, ec.privateKey, gcm, { name: 'AES-GCM', iv });
    const k = await S.unwrapKey(format, w, gcm, { name: 'AES-GCM', iv }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const sig = await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, k, new Uint8Array(3));
    assertEq(await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, sig, new Uint8Array(3)), true, format);
    assertEq(k.extractable, false);
  }
  const encOnly = await S.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']);
  await assertRejects(S.wrapKey('raw', ec.publicKey, encOnly, { name: 'AES-GCM', iv }), 'InvalidAccessError', 'no wrapKey usage');
  const rsa = await S.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['wrapKey', 'unwrapKey']);
  const aes = await S.generateKey({ name: 'AES-CTR', length: 128 }, true, ['encrypt']);
  // (A JWK is too long for OAEP with a 1024-bit key: at most 62 bytes.)
  await assertRejects(S.wrapKey('jwk', aes, rsa.publicKey, 'RSA-OAEP'), 'OperationError');
  const w = await S.wrapKey('raw', aes, rsa.publicKey, 'RSA-OAEP');
  const back = await S.unwrapKey('raw', w, rsa.privateKey, 'RSA-OAEP', 'AES-CTR', true, ['encrypt']);
  assertEq(toHex(await S.exportKey('raw', back)), toHex(await S.exportKey('raw', aes)));
  // The guest replacing exportKey does not change what wrapKey wraps.
  const saved = SubtleCrypto.prototype.exportKey;
  SubtleCrypto.prototype.exportKey = async () => new Uint8Array(16);
  try {
    const w2 = await S.wrapKey('raw', aes, gcm, { name: 'AES-GCM', iv });
    const k2 = await S.unwrapKey('raw', w2, gcm, { name: 'AES-GCM', iv }, 'AES-CTR', true, ['encrypt']);
    SubtleCrypto.prototype.exportKey = saved;
    assertEq(toHex(await S.exportKey('raw', k2)), toHex(await S.exportKey('raw', aes)));
  } finally {
    SubtleCrypto.prototype.exportKey = saved;
  }
});

// ---- ECDSA -----------------------------------------------------------------------------------

// RFC 6979 A.2.5: P-256, message "sample".
const p256 = {
  d: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
  x: '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6',
  y: '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  sha256: 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8',
  sha384: '0eafea039b20e9b42309fb1d89e213057cbf973dc0cfc8f129edddc800ef7719' +
          '4861f0491e6998b9455193e34e7b0d284ddd7149a74b95b9261f13abde940954',
};
const b64u = (h) => btoa(String.fromCharCode(...hex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const ecdsa = (hash) => ({ name: 'ECDSA', hash });

test('ECDSA: RFC 6979 vectors verify (IEEE P1363 signatures)', async () => {
  const pub = await S.importKey('raw', hex(`04${p256.x}${p256.y}`), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  assertEq(pub.type, 'public');
  assertEq(JSON.stringify(pub.algorithm), '{"name":"ECDSA","namedCurve":"P-256"}');
  const msg = utf8('sample');
  assertEq(await S.verify(ecdsa('SHA-256'), pub, hex(p256.sha256), msg), true);
  assertEq(await S.verify(ecdsa('SHA-384'), pub, hex(p256.sha384), msg), true);
  assertEq(await S.verify(ecdsa('SHA-384'), pub, hex(p256.sha256), msg), false);
  assertEq(await S.verify(ecdsa('SHA-256'), pub, hex(p256.sha256), utf8('samplf')), false);
  assertEq(await S.verify(ecdsa('SHA-256'), pub, hex(p256.sha256).subarray(1), msg), false, 'short');
  assertEq(await S.verify(ecdsa('SHA-256'), pub, new Uint8Array(64), msg), false, 'zero r, s');
  assertEq(await S.verify(ecdsa('SHA-256'), pub, new Uint8Array(64).fill(255), msg), false, 'r, s over the order');
  // The private key from JWK signs; its signatures verify (they are randomised).
  const jwk = { kty: 'EC', crv: 'P-256', x: b64u(p256.x), y: b64u(p256.y), d: b64u(p256.d) };
  const priv = await S.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  assertEq(priv.type, 'private');
  const sig = await S.sign(ecdsa('SHA-256'), priv, msg);
  assertEq(sig.byteLength, 64);
  assertEq(await S.verify(ecdsa('SHA-256'), pub, sig, msg), true);
  const exported = await S.exportKey('jwk', priv);
  assertEq(JSON.stringify(exported), JSON.stringify({ ...jwk, key_ops: ['sign'], ext: true }));
  assertEq(toHex(await S.exportKey('raw', pub)), `04${p256.x}${p256.y}`);
  // A compressed point (y is odd: 03) is accepted and exported uncompressed.
  const comp = await S.importKey('raw', hex(`03${p256.x}`), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  assertEq(toHex(await S.exportKey('raw', comp)), `04${p256.x}${p256.y}`);
  assertEq(await S.verify(ecdsa('SHA-256'), comp, hex(p256.sha256), msg), true);
  await assertRejects(S.importKey('raw', hex(`02${p256.x}`).subarray(0, 20), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']), 'DataError');
  // SHA-1 and SHA-512 signatures round-trip too.
  for (const hash of ['SHA-1', 'SHA-512']) {
    assertEq(await S.verify(ecdsa(hash), pub, await S.sign(ecdsa(hash), priv, msg), msg), true, hash);
  }
});

test('ECDSA: generate, formats, round trips', async () => {
  for (const [curve, size] of [['P-256', 32], ['P-384', 48], ['P-521', 66]]) {
    const { publicKey, privateKey } = await S.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
    assertArrayEq(publicKey.usages, ['verify']);
    assertArrayEq(privateKey.usages, ['sign']);
    assertEq(publicKey.extractable, true);
    const msg = utf8(`message for ${curve}`);
    for (const hash of ['SHA-256', 'SHA-384', 'SHA-512']) {
      const sig = await S.sign(ecdsa(hash), privateKey, msg);
      assertEq(sig.byteLength, 2 * size, `${curve} ${hash}`);
      assertEq(await S.verify(ecdsa(hash), publicKey, sig, msg), true, `${curve} ${hash}`);
    }
    const spki = await S.exportKey('spki', publicKey);
    const pkcs8 = await S.exportKey('pkcs8', privateKey);
    const raw = await S.exportKey('raw', publicKey);
    assertEq(raw.byteLength, 1 + 2 * size);
    const alg = { name: 'ECDSA', namedCurve: curve };
    const pub2 = await S.importKey('spki', spki, alg, true, ['verify']);
    const priv2 = await S.importKey('pkcs8', pkcs8, alg, true, ['sign']);
    assertEq(toHex(await S.exportKey('raw', pub2)), toHex(raw));
    assertEq(toHex(await S.exportKey('pkcs8', priv2)), toHex(pkcs8));
    const sig = await S.sign(ecdsa('SHA-256'), priv2, msg);
    assertEq(await S.verify(ecdsa('SHA-256'), pub2, sig, msg), true);
    const jwk = await S.exportKey('jwk', publicKey);
    assertEq(jwk.crv, curve);
    assertEq(jwk.d, undefined);
    const pub3 = await S.importKey('jwk', jwk, alg, true, ['verify']);
    assertEq(await S.verify(ecdsa('SHA-256'), pub3, sig, msg), true);
    // Another curve's key data is a DataError.
    const other = curve === 'P-256' ? 'P-384' : 'P-256';
    await assertRejects(S.importKey('spki', spki, { name: 'ECDSA', namedCurve: other }, true, ['verify']), 'DataError');
  }
});

test('ECDSA: errors', async () => {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  await assertRejects(S.generateKey({ name: 'ECDSA', namedCurve: 'P-192' }, true, ['sign']), 'NotSupportedError');
  await assertRejects(S.generateKey({ name: 'ECDSA' }, true, ['sign']), TypeError);
  await assertRejects(S.generateKey(alg, true, ['verify']), 'SyntaxError', 'private key without usage');
  await assertRejects(S.generateKey(alg, true, ['encrypt']), 'SyntaxError');
  const { publicKey, privateKey } = await S.generateKey(alg, false, ['sign', 'verify']);
  assertEq(privateKey.extractable, false);
  assertEq(publicKey.extractable, true);
  await assertRejects(S.exportKey('pkcs8', privateKey), 'InvalidAccessError');
  await assertRejects(S.exportKey('raw', await S.importKey('pkcs8', await S.exportKey('pkcs8',
    (await S.generateKey(alg, true, ['sign'])).privateKey), alg, true, ['sign'])), 'InvalidAccessError');
  await assertRejects(S.exportKey('pkcs8', publicKey), 'InvalidAccessError');
  await assertRejects(S.sign(ecdsa('SHA-256'), publicKey, utf8('x')), 'InvalidAccessError');
  await assertRejects(S.verify(ecdsa('SHA-256'), privateKey, new Uint8Array(64), utf8('x')), 'InvalidAccessError');
  await assertRejects(S.sign('Ed25519', privateKey, utf8('x')), 'InvalidAccessError');
  // A point off the curve; a wrong length; garbage DER; DER with trailing bytes.
  const bad = hex(`04${p256.x}${p256.y}`);
  bad[64] ^= 1;
  await assertRejects(S.importKey('raw', bad, alg, true, ['verify']), 'DataError');
  await assertRejects(S.importKey('raw', bad.subarray(1), alg, true, ['verify']), 'DataError');
  await assertRejects(S.importKey('raw', hex(`04${p256.x}${p256.y}`), alg, true, ['sign']), 'SyntaxError');
  await assertRejects(S.importKey('spki', utf8('not der'), alg, true, ['verify']), 'DataError');
  const spki = new Uint8Array(await S.exportKey('spki', publicKey));
  const longer = new Uint8Array(spki.length + 1);
  longer.set(spki);
  await assertRejects(S.importKey('spki', longer, alg, true, ['verify']), 'DataError');
  await assertRejects(S.importKey('pkcs8', spki, alg, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('pkcs8', new Uint8Array(100000), alg, true, ['sign']), RangeError);
  // A JWK whose d does not match x, y.
  const jwk = { kty: 'EC', crv: 'P-256', x: b64u(p256.x), y: b64u(p256.y), d: b64u(p256.d.replace(/^c9/, 'c8')) };
  await assertRejects(S.importKey('jwk', jwk, alg, true, ['sign']), 'DataError');
  await assertRejects(S.importKey('jwk', { ...jwk, d: undefined, crv: 'P-384' }, alg, true, ['verify']), 'DataError');
  await assertRejects(S.importKey('jwk', { ...jwk, d: undefined, alg: 'ES384' }, alg, true, ['verify']), 'DataError');
  await assertRejects(S.importKey('jwk', { ...jwk, d: undefined, kty: 'OKP' }, alg, true, ['verify']), 'DataError');
  await assertRejects(S.importKey('jwk', { ...jwk, d: undefined, y: undefined }, alg, true, ['verify']), 'DataError');
  // Ed25519 key data under ECDSA.
  const ed = await S.generateKey('Ed25519', true, ['sign', 'verify']);
  await assertRejects(S.importKey('spki', await S.exportKey('spki', ed.publicKey), alg, true, ['verify']), 'DataError');
});

// ---- Ed25519 ---------------------------------------------------------------------------------

// RFC 8032 section 7.1, tests 1, 2 and 3.
const rfc8032 = [
  ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
   'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
   'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
   '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
   '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
  ['c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
   'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82',
   '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
];

test('Ed25519: RFC 8032 vectors', async () => {
  for (const [d, x, m, sig] of rfc8032) {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(x), d: b64u(d) };
    const priv = await S.importKey('jwk', jwk, 'Ed25519', true, ['sign']);
    const pub = await S.importKey('raw', hex(x), { name: 'Ed25519' }, true, ['verify']);
    assertEq(toHex(await S.sign('Ed25519', priv, hex(m))), sig);
    assertEq(await S.verify('Ed25519', pub, hex(sig), hex(m)), true);
    const bad = hex(sig);
    bad[10] ^= 1;
    assertEq(await S.verify('Ed25519', pub, bad, hex(m)), false);
    assertEq(await S.verify('Ed25519', pub, hex(sig).subarray(1), hex(m)), false);
    assertEq(JSON.stringify(await S.exportKey('jwk', priv)), JSON.stringify({ ...jwk, key_ops: ['sign'], ext: true }));
    assertEq(toHex(await S.exportKey('raw', pub)), x);
  }
});

test('Ed25519: generate, formats, errors', async () => {
  const { publicKey, privateKey } = await S.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  assertEq(JSON.stringify(publicKey.algorithm), '{"name":"Ed25519"}');
  const msg = utf8('hello');
  const sig = await S.sign({ name: 'Ed25519' }, privateKey, msg);
  assertEq(sig.byteLength, 64);
  assertEq(await S.verify('Ed25519', publicKey, sig, msg), true);
  const pkcs8 = await S.exportKey('pkcs8', privateKey);
  const spki = await S.exportKey('spki', publicKey);
  assertEq(spki.byteLength, 44);
  const priv2 = await S.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']);
  const pub2 = await S.importKey('spki', spki, 'Ed25519', false, ['verify']);
  assertEq(toHex(await S.sign('Ed25519', priv2, msg)), toHex(sig), 'deterministic');
  assertEq(await S.verify('Ed25519', pub2, sig, msg), true);
  await assertRejects(S.exportKey('raw', pub2), 'InvalidAccessError');
  await assertRejects(S.exportKey('raw', privateKey), 'InvalidAccessError');
  await assertRejects(S.importKey('raw', new Uint8Array(31), 'Ed25519', true, ['verify']), 'DataError');
  await assertRejects(S.importKey('raw', new Uint8Array(32), 'Ed25519', true, ['sign']), 'SyntaxError');
  const [d, x] = rfc8032[0];
  await assertRejects(S.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: b64u(rfc8032[1][1]), d: b64u(d) }, 'Ed25519', true, ['sign']), 'DataError', 'x does not match d');
  await assertRejects(S.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: b64u(x) }, 'Ed25519', true, ['verify']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: b64u(x), alg: 'ES256' }, 'Ed25519', true, ['verify']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: b64u(x), d: b64u(d) }, 'Ed25519', true, []), 'SyntaxError');
  await assertRejects(S.generateKey('Ed25519', true, ['encrypt']), 'SyntaxError');
  await assertRejects(S.importKey('pkcs8', spki, 'Ed25519', true, ['sign']), 'DataError');
});

// ---- ECDH, X25519 ------------------------------------------------------------------------------

test('X25519: RFC 7748 section 6.1', async () => {
  const alice = await S.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: b64u('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
    d: b64u('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a') }, 'X25519', false, ['deriveBits']);
  const bob = await S.importKey('raw', hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), 'X25519', true, []);
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assertEq(toHex(await S.deriveBits({ name: 'X25519', public: bob }, alice, 256)), shared);
  assertEq(toHex(await S.deriveBits({ name: 'X25519', public: bob }, alice, null)), shared);
  assertEq(toHex(await S.deriveBits({ name: 'X25519', public: bob }, alice, 12)), '4a50');
  await assertRejects(S.deriveBits({ name: 'X25519', public: bob }, alice, 264), 'OperationError');
  // A small-order public key gives an all-zero secret: refused.
  const zero = await S.importKey('raw', new Uint8Array(32), 'X25519', true, []);
  await assertRejects(S.deriveBits({ name: 'X25519', public: zero }, alice, 256), 'OperationError');
  await assertRejects(S.deriveBits({ name: 'X25519', public: alice }, alice, 256), 'InvalidAccessError', 'public is private');
  await assertRejects(S.deriveBits({ name: 'X25519' }, alice, 256), TypeError);
  await assertRejects(S.deriveBits({ name: 'X25519', public: {} }, alice, 256), TypeError);
  await assertRejects(S.importKey('raw', new Uint8Array(32), 'X25519', true, ['deriveBits']), 'SyntaxError');
});

test('ECDH: against another implementation, deriveKey, errors', async () => {
  const alg = { name: 'ECDH', namedCurve: 'P-256' };
  const mine = await S.importKey('pkcs8', hex('308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420a6b0e48f80f51797d1b574cd13caa133127836f75860fa176a3442b38d26c318a14403420004088000c5b6fe40e66f271227442b1f7a23fac34583694299c1bdd975049affd66ba6e52a3832f122178d0839f10b0b10b0675aaf6f097e4c36a2364d4e3bd884'),
    alg, true, ['deriveBits', 'deriveKey']);
  const theirs = await S.importKey('raw', hex('04d66a2900ec40e112c79eb56a6bbcd94637aa9f4cfa98b3db940278a8118ab31a5d6be9742ce9dcbc28c3ffd73d2b7fe1f25ccdce6ab201cf9c1246840dbf415c'), alg, true, []);
  assertEq(toHex(await S.deriveBits({ name: 'ECDH', public: theirs }, mine, 256)),
           '2af6255343492103afc8cbe086e86a7ff3bedd0f3f146210af0d06aee3625a61');
  // Both sides of a generated pair agree; deriveKey makes an AES key of the secret.
  const a = await S.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, false, ['deriveKey', 'deriveBits']);
  const b = await S.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, false, ['deriveBits']);
  assertArrayEq(a.publicKey.usages, []);
  const ab = await S.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, 384);
  const ba = await S.deriveBits({ name: 'ECDH', public: a.publicKey }, b.privateKey, 384);
  assertEq(toHex(ab), toHex(ba));
  const aes = await S.deriveKey({ name: 'ECDH', public: b.publicKey }, a.privateKey, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  assertEq(toHex(await S.exportKey('raw', aes)), toHex(ab).slice(0, 64));
  await assertRejects(S.deriveBits({ name: 'ECDH', public: theirs }, a.privateKey, 256), 'InvalidAccessError', 'other curve');
  const ecdsa = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  await assertRejects(S.deriveBits({ name: 'ECDH', public: ecdsa.publicKey }, mine, 256), 'InvalidAccessError', 'ECDSA key');
  await assertRejects(S.deriveBits({ name: 'ECDH', public: theirs }, b.privateKey, 256), 'InvalidAccessError');
  await assertRejects(S.deriveKey({ name: 'ECDH', public: b.publicKey }, b.privateKey, { name: 'AES-GCM', length: 128 }, true, ['encrypt']), 'InvalidAccessError', 'no deriveKey usage');
  await assertRejects(S.importKey('jwk', { ...(await S.exportKey('jwk', mine)), use: 'sig' }, alg, true, ['deriveBits']), 'DataError');
  const withEnc = await S.importKey('jwk', { ...(await S.exportKey('jwk', mine)), use: 'enc' }, alg, true, ['deriveBits']);
  assertEq(withEnc.type, 'private');
  assertEq((await S.exportKey('jwk', mine)).crv, 'P-256');
});

test('NODE-ED25519 (Cloudflare\'s older name): the Discord interaction check', async () => {
  const [d, x, m, sig] = rfc8032[2];
  const alg = { name: 'NODE-ED25519', namedCurve: 'NODE-ED25519' };
  const pub = await S.importKey('raw', hex(x), alg, true, ['verify']);
  assertEq(JSON.stringify(pub.algorithm), '{"name":"NODE-ED25519","namedCurve":"NODE-ED25519"}');
  assertEq(await S.verify('NODE-ED25519', pub, hex(sig), hex(m)), true);
  assertEq(await S.verify({ name: 'node-ed25519' }, pub, new Uint8Array(64), hex(m)), false);
  await assertRejects(S.verify('Ed25519', pub, hex(sig), hex(m)), 'InvalidAccessError');
  const priv = await S.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: b64u(x), d: b64u(d) }, alg, true, ['sign']);
  assertEq(toHex(await S.sign('NODE-ED25519', priv, hex(m))), sig);
  assertEq((await S.exportKey('jwk', priv)).crv, 'Ed25519');
  const g = await S.generateKey(alg, false, ['sign', 'verify']);
  assertEq(g.privateKey.algorithm.namedCurve, 'NODE-ED25519');
  await assertRejects(S.importKey('raw', hex(x), { name: 'NODE-ED25519', namedCurve: 'Ed25519' }, true, ['verify']), 'NotSupportedError');
  await assertRejects(S.generateKey({ name: 'NODE-ED25519' }, true, ['sign']), TypeError);
});

// ---- PBKDF2, HKDF ------------------------------------------------------------------------------

test('PBKDF2: RFC 6070 vectors, deriveKey', async () => {
  const key = await S.importKey('raw', utf8('password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
  assertEq(key.extractable, false);
  const p = (iterations, hash = 'SHA-1') => ({ name: 'PBKDF2', hash, salt: utf8('salt'), iterations });
  assertEq(toHex(await S.deriveBits(p(1), key, 160)), '0c60c80f961f0e71f3a9b524af6012062fe037a6');
  assertEq(toHex(await S.deriveBits(p(2), key, 160)), 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957');
  assertEq(toHex(await S.deriveBits(p(4096), key, 160)), '4b007901b765489abead49d926f721d065a429c1');
  assertEq(toHex(await S.deriveBits(p(1, 'SHA-256'), key, 256)), '120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b');
  assertEq((await S.deriveBits(p(1), key, 0)).byteLength, 0);
  await assertRejects(S.deriveBits(p(1), key, 7), 'OperationError');
  await assertRejects(S.deriveBits(p(1), key), 'OperationError');
  await assertRejects(S.deriveBits(p(0), key, 8), 'OperationError');
  await assertRejects(S.deriveBits(p(100001), key, 8), 'NotSupportedError');
  await assertRejects(S.importKey('raw', utf8('pw'), 'PBKDF2', true, ['deriveBits']), 'SyntaxError');
  await assertRejects(S.importKey('jwk', { kty: 'oct', k: 'AA' }, 'PBKDF2', false, ['deriveBits']), 'NotSupportedError');
  await assertRejects(S.importKey('raw', utf8('pw'), 'PBKDF2', false, ['sign']), 'SyntaxError');
  await assertRejects(S.exportKey('raw', key), 'NotSupportedError');
  const aes = await S.deriveKey(p(1000, 'SHA-256'), key, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  assertEq(aes.algorithm.length, 256);
  assertEq(toHex(await S.exportKey('raw', aes)), toHex(await S.deriveBits(p(1000, 'SHA-256'), key, 256)));
  const mac = await S.deriveKey(p(1, 'SHA-256'), key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  assertEq(mac.algorithm.length, 512);
  await assertRejects(S.deriveKey(p(1), key, { name: 'AES-GCM', length: 100 }, true, ['encrypt']), 'OperationError');
  const bitsOnly = await S.importKey('raw', utf8('password'), 'PBKDF2', false, ['deriveBits']);
  await assertRejects(S.deriveKey(p(1), bitsOnly, { name: 'AES-GCM', length: 128 }, true, ['encrypt']), 'InvalidAccessError');
});

test('HKDF: RFC 5869 vectors', async () => {
  const key = await S.importKey('raw', hex('0b'.repeat(22)), 'HKDF', false, ['deriveBits']);
  const p = { name: 'HKDF', hash: 'SHA-256', salt: hex('000102030405060708090a0b0c'), info: hex('f0f1f2f3f4f5f6f7f8f9') };
  assertEq(toHex(await S.deriveBits(p, key, 336)),
           '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  // Test case 3: empty salt and info.
  const p3 = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new Uint8Array(0) };
  assertEq(toHex(await S.deriveBits(p3, key, 336)),
           '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  await assertRejects(S.deriveBits(p, key, 255 * 256 + 8), 'OperationError');
  await assertRejects(S.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0) }, key, 8), TypeError);
  await assertRejects(S.deriveBits({ ...p, name: 'PBKDF2', iterations: 1 }, key, 8), 'InvalidAccessError');
});
