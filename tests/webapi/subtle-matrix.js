// crypto.subtle: generateKey/importKey/exportKey over every combination of algorithm,
// usages and extractability the spec distinguishes, in the manner of WPT's
// WebCryptoAPI/generateKey tests (written here from the spec, not copied).
// Algorithms WebCrypto defines that dynworker does not implement are listed in
// `unsupported`: they must reject with NotSupportedError (WPT expects them to work).
const S = crypto.subtle;
const allUsages = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];

// name, parameter sets, valid usages, usages the private key needs (pairs only)
const supported = [
  ...['AES-GCM', 'AES-CBC', 'AES-CTR'].map((name) => ({ name, params: [128, 192, 256].map((length) => ({ length })), usages: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] })),
  { name: 'AES-KW', params: [128, 192, 256].map((length) => ({ length })), usages: ['wrapKey', 'unwrapKey'] },
  { name: 'HMAC', params: [{ hash: 'SHA-1' }, { hash: 'SHA-256', length: 8 }, { hash: { name: 'SHA-384' } }, { hash: 'SHA-512', length: 1000 }], usages: ['sign', 'verify'] },
  { name: 'ECDSA', params: ['P-256', 'P-384', 'P-521'].map((namedCurve) => ({ namedCurve })), usages: ['sign', 'verify'], pair: ['sign'] },
  { name: 'Ed25519', params: [{}], usages: ['sign', 'verify'], pair: ['sign'] },
  { name: 'ECDH', params: ['P-256', 'P-384', 'P-521'].map((namedCurve) => ({ namedCurve })), usages: ['deriveKey', 'deriveBits'], pair: ['deriveKey', 'deriveBits'] },
  { name: 'X25519', params: [{}], usages: ['deriveKey', 'deriveBits'], pair: ['deriveKey', 'deriveBits'] },
  ...['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP'].map((name) => ({
    name,
    params: [{ modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }],
    usages: name === 'RSA-OAEP' ? ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] : ['sign', 'verify'],
    pair: name === 'RSA-OAEP' ? ['decrypt', 'unwrapKey'] : ['sign'],
  })),
];
const unsupported = [
  { name: 'Ed448' }, { name: 'X448' },
];

// Every non-empty subset of `list`.
const subsets = (list) => {
  const out = [];
  for (let m = 1; m < 1 << list.length; m++) out.push(list.filter((_, i) => m & (1 << i)));
  return out;
};
// A name in another case: normalisation is ASCII case-insensitive.
const recase = (s) => [...s].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');

test('generateKey succeeds for every valid usage set, and the keys are right', async () => {
  let n = 0;
  for (const v of supported) {
    for (const p of v.params) {
      for (const usages of subsets(v.usages)) {
        if (v.pair && !usages.some((u) => v.pair.includes(u))) continue;
        for (const extractable of [false, true]) {
          const alg = { name: n % 2 ? recase(v.name) : v.name, ...p };
          const r = await S.generateKey(alg, extractable, usages);
          const what = `${JSON.stringify(alg)} ${usages}`;
          const keys = v.pair ? [r.publicKey, r.privateKey] : [r];
          if (v.pair) assertArrayEq(Object.keys(r), ['publicKey', 'privateKey'], what);
          for (const key of keys) {
            assert(key instanceof CryptoKey, what);
            assertEq(key.algorithm.name, v.name, what);
            const type = v.pair ? (key === r.publicKey ? 'public' : 'private') : 'secret';
            assertEq(key.type, type, what);
            assertEq(key.extractable, type === 'public' ? true : extractable, what);
            const want = type === 'public' ? usages.filter((u) => !v.pair.includes(u))
              : type === 'private' ? usages.filter((u) => v.pair.includes(u)) : usages;
            assertArrayEq(key.usages, allUsages.filter((u) => want.includes(u)), what);
          }
          n++;
        }
      }
    }
  }
  assert(n > 100, `${n} combinations`);
});

test('generateKey: bad usages are a SyntaxError, empty usages too', async () => {
  for (const v of supported) {
    const alg = { name: v.name, ...v.params[0] };
    const bad = allUsages.filter((u) => !v.usages.includes(u));
    for (const b of bad) {
      for (const good of [[], ...subsets(v.usages)]) {
        await assertRejects(S.generateKey(alg, true, [...good, b]), 'SyntaxError', `${v.name} ${good} + ${b}`);
      }
    }
    for (const extractable of [false, true]) {
      await assertRejects(S.generateKey(alg, extractable, []), 'SyntaxError', `${v.name} []`);
    }
    if (v.pair) {
      const pub = v.usages.filter((u) => !v.pair.includes(u));
      await assertRejects(S.generateKey(alg, true, pub), 'SyntaxError', `${v.name} public usages only`);
    }
  }
});

test('generateKey: bad algorithms and parameters', async () => {
  const names = ['AES', { name: 'AES' }, { name: 'AES', length: 128 }, { name: 'AES-CMAC', length: 128 },
    { name: 'AES-CFB', length: 128 }, { name: 'HMAC', hash: 'MD5' }, { name: 'EC', namedCurve: 'P521' },
    { name: 'SHA-256' }, 'PBKDF2', { name: 'HKDF' }, { name: 'RSA', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    { name: 'RSA-PSS', hash: 'SHA', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }];
  for (const alg of [...names, ...unsupported]) {
    for (const extractable of [false, true, 'RED', 7]) {
      for (const usages of [['decrypt'], ['sign'], ['deriveBits'], []]) {
        await assertRejects(S.generateKey(alg, extractable, usages), 'NotSupportedError', JSON.stringify(alg));
      }
    }
  }
  for (const alg of [{}, { name: undefined }, { name: 'HMAC' }, { name: 'AES-GCM' }, { name: 'ECDSA' },
    { name: 'AES-GCM', length: 65536 }, { name: 'AES-GCM', length: -1 }, { name: 'AES-GCM', length: NaN },
    { name: 'HMAC', hash: 'SHA-256', length: 2 ** 32 }, { name: 'HMAC', hash: {} }]) {
    await assertRejects(S.generateKey(alg, true, ['sign']), TypeError, JSON.stringify(alg));
  }
  for (const length of [64, 127, 129, 255, 257, 512, 0]) {
    for (const usages of [['encrypt'], []]) {
      for (const name of ['AES-GCM', 'AES-CBC', 'AES-CTR']) {
        await assertRejects(S.generateKey({ name, length }, true, usages), 'OperationError', `${name} ${length}`);
      }
      await assertRejects(S.generateKey({ name: 'AES-KW', length }, true, usages.length ? ['wrapKey'] : []), 'OperationError', `AES-KW ${length}`);
    }
  }
  for (const namedCurve of ['P-512', 'Curve25519', 'p-256', '']) {
    await assertRejects(S.generateKey({ name: 'ECDSA', namedCurve }, true, ['sign']), 'NotSupportedError', namedCurve);
  }
  await assertRejects(S.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 0 }, true, ['sign']), 'OperationError');
  await assertRejects(S.generateKey({ name: 'AES-GCM', length: 128 }, true, ['bogus']), TypeError);
  await assertRejects(S.generateKey({ name: 'AES-GCM', length: 128 }, true, 'encrypt'), TypeError);
});

test('every generated key round-trips through every format it allows', async () => {
  const asym = ['raw', 'spki', 'pkcs8', 'jwk'], rsa = ['spki', 'pkcs8', 'jwk'];
  const formats = { 'AES-GCM': ['raw', 'jwk'], 'AES-CBC': ['raw', 'jwk'], 'AES-CTR': ['raw', 'jwk'], 'AES-KW': ['raw', 'jwk'], HMAC: ['raw', 'jwk'], ECDSA: asym, Ed25519: asym, ECDH: asym, X25519: asym,
    'RSASSA-PKCS1-v1_5': rsa, 'RSA-PSS': rsa, 'RSA-OAEP': rsa };
  for (const v of supported) {
    for (const p of v.params) {
      const alg = { name: v.name, ...p };
      const r = await S.generateKey(alg, true, v.usages);
      const keys = v.pair ? [r.publicKey, r.privateKey] : [r];
      for (const key of keys) {
        for (const format of ['raw', 'spki', 'pkcs8', 'jwk']) {
          const ok = formats[v.name].includes(format) &&
            (key.type === 'secret' || (key.type === 'private' ? format === 'pkcs8' || format === 'jwk' : format !== 'pkcs8'));
          const what = `${v.name} ${key.type} ${format}`;
          if (!ok) {
            await assertRejects(S.exportKey(format, key), formats[v.name].includes(format) ? 'InvalidAccessError' : 'NotSupportedError', what);
            continue;
          }
          const data = await S.exportKey(format, key);
          const back = await S.importKey(format, data, alg, true, key.usages);
          assertEq(back.type, key.type, what);
          assertEq(JSON.stringify(back.algorithm), JSON.stringify(key.algorithm), what);
          assertArrayEq(back.usages, key.usages, what);
          const again = await S.exportKey(format, back);
          assertEq(JSON.stringify(format === 'jwk' ? again : Array.from(new Uint8Array(again))),
                   JSON.stringify(format === 'jwk' ? data : Array.from(new Uint8Array(data))), what);
        }
      }
    }
  }
});
