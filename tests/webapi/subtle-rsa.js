// crypto.subtle with RSA: RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP against a key, signatures and
// ciphertexts made by another implementation (pyca/cryptography, generated once for this file).
const hex = (s) => new Uint8Array(s.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
const toHex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const S = crypto.subtle;
const rsaKey = {
 "jwk": {
  "kty": "RSA",
  "n": "xd1H1xMwU6CRn-KXloDPexx6vIx22wEcxtyQ5dgCwqv3r0WgYbaohM0jHGkfuc8ULEUXpsG9fFegsJjFhCQt3nhQCge1q-Xtuai3XGdS9SDofodXo-6uS76uCvbc5PMjDcpVdh6KDV_zbGM2BGiuFAtRjFS5m0uAYU6x2HYU6-kUnWOmkGuGJXd8He4kdcYsaax4L1a1MIFnqX1KaLeof3v_qDHnwv9kkggUWCHU_4tNXWM4amv-qeyIRvxzCVuT_X7PnR1xMk6-qFOUr3pAOVv6ZgNxWgYkHOXJHMGE-4nNkN9YF8OEsm7MPno7QqzXSgeAYgtMuVIf_BiQQc8mIw",
  "e": "AQAB",
  "d": "JZPZZXTc_Dzl-z3--RPck658dtucZQpoizHviN9F4u_i-dQY2gXlKleFQAuM_W5hD-lNTRvFX1yLBY72EBsI5RPna4g8Tfm8dMKglDmBTVGjJgiRMe6OBo-foTByEj9E3IUdRvIU2OZsphyPcTXqPZ9KrQKYP3CO4Kwf5ZLDdWv4wHyjxOWBmRkZkMz5LRvIUQ4CV-phEQ4F8bAIBWHqGiM9EYIT0r7U4h1hbRi7Epntg6rhQQVugriSLYrEc9lPiOankmY2AjUrkYqU_NGhE7U0vBljwIrhlIU9E0Wo-8zYWPlVkYQXN2lPqWpwgGKHHsu9yrxTpzokJ3nwkQ0huQ",
  "p": "5S14dL0-9SLcTr1j2AckML5-aXr42RV76I9Vt-Ta-2PeIz3ktUNiHCqQk16l7iTCgLGtXhok32soKbUCbkm1I8BByPhmg_L3Na9kbpvAjE7Cdd1dtZ0W0OSX-s_kqijQl4NkiWSMEc8gSpViOJHxg_Wu0YxD-vjfTuB84CB_S_k",
  "q": "3QWddnhPJDQBqhVH77Bw5iXHfJyDcB1NfBBlQwgdpAFlS2-33dV2UGVdCs0oGqiecpINzaVNX8OSuwVtFiWUdD7hQyIE-_xw0_rK4F0euY4ug4JnBkSG4MquF9dNIWHxNF6rFGh__MlG-iISp3wrZo3OWdFNd2E-Sdw_FF5dMfs",
  "dp": "WO4fGvXAs3EWmjtlvhNvWLbi6N1-KQbsMR9FvPlCfGCRd41x7WC7doCR343Px6xeCYBo7OYqPsQfLqf9zHwvnTLilDDH3xXuFdf8mes4eXmqfgArd-kATIkX7Iy1h84Uu2aSIbpxnAuK1UZIefkwBevVLZ1HV-ExDjOQYYxauUk",
  "dq": "Ay8BhaNWAH9_RqPn1VwFREtnBDR88DB73T2fN8f2JVafzuZdD6Tzf1T2ciFiYn_rSFsyN7QZ2TdH9cmuOJNx__qn4_-pcrfAKE2EfpbYynNx2BMYyM5T4wkIWO-Q_NocT1TNwg1_SnTbwN6cxizTszZ3snOBWibcbtPtVK3HSeE",
  "qi": "Jze-YUAvLMkzniaS1y8ekxsEDU-oZ1qR87V7f-0vm_hfvla6L2JltCl_0l4Ai4ZhVTgY_aleBSCqIQnC_I2ecDh2yhQ4IL-YBOLgePEZJRuVNJjjErxtsXqq_Gzz06yvvtsFFn1z-iCVyOr4CCLgI51iBQ88q0BIccSksmdy_So"
 },
 "spki": "30820122300d06092a864886f70d01010105000382010f003082010a0282010100c5dd47d7133053a0919fe2979680cf7b1c7abc8c76db011cc6dc90e5d802c2abf7af45a061b6a884cd231c691fb9cf142c4517a6c1bd7c57a0b098c584242dde78500a07b5abe5edb9a8b75c6752f520e87e8757a3eeae4bbeae0af6dce4f3230dca55761e8a0d5ff36c63360468ae140b518c54b99b4b80614eb1d87614ebe9149d63a6906b8625777c1dee2475c62c69ac782f56b5308167a97d4a68b7a87f7bffa831e7c2ff649208145821d4ff8b4d5d63386a6bfea9ec8846fc73095b93fd7ecf9d1d71324ebea85394af7a40395bfa6603715a06241ce5c91cc184fb89cd90df5817c384b26ecc3e7a3b42acd74a0780620b4cb9521ffc189041cf26230203010001",
 "pkcs8": "308204bc020100300d06092a864886f70d0101010500048204a6308204a20201000282010100c5dd47d7133053a0919fe2979680cf7b1c7abc8c76db011cc6dc90e5d802c2abf7af45a061b6a884cd231c691fb9cf142c4517a6c1bd7c57a0b098c584242dde78500a07b5abe5edb9a8b75c6752f520e87e8757a3eeae4bbeae0af6dce4f3230dca55761e8a0d5ff36c63360468ae140b518c54b99b4b80614eb1d87614ebe9149d63a6906b8625777c1dee2475c62c69ac782f56b5308167a97d4a68b7a87f7bffa831e7c2ff649208145821d4ff8b4d5d63386a6bfea9ec8846fc73095b93fd7ecf9d1d71324ebea85394af7a40395bfa6603715a06241ce5c91cc184fb89cd90df5817c384b26ecc3e7a3b42acd74a0780620b4cb9521ffc189041cf26230203010001028201002593d96574dcfc3ce5fb3dfef913dc93ae7c76db9c650a688b31ef88df45e2efe2f9d418da05e52a5785400b8cfd6e610fe94d4d1bc55f5c8b058ef6101b08e513e76b883c4df9bc74c2a09439814d51a326089131ee8e068f9fa13072123f44dc851d46f214d8e66ca61c8f7135ea3d9f4aad02983f708ee0ac1fe592c3756bf8c07ca3c4e58199191990ccf92d1bc8510e0257ea61110e05f1b0080561ea1a233d118213d2bed4e21d616d18bb1299ed83aae141056e82b8922d8ac473d94f88e6a792663602352b918a94fcd1a113b534bc1963c08ae194853d1345a8fbccd858f95591841737694fa96a708062871ecbbdcabc53a73a242779f0910d21b902818100e52d7874bd3ef522dc4ebd63d8072430be7e697af8d9157be88f55b7e4dafb63de233de4b543621c2a90935ea5ee24c280b1ad5e1a24df6b2829b5026e49b523c041c8f86683f2f735af646e9bc08c4ec275dd5db59d16d0e497facfe4aa28d097836489648c11cf204a95623891f183f5aed18c43faf8df4ee07ce0207f4bf902818100dd059d76784f243401aa1547efb070e625c77c9c83701d4d7c106543081da401654b6fb7ddd57650655d0acd281aa89e72920dcda54d5fc392bb056d162594743ee1432204fbfc70d3facae05d1eb98e2e838267064486e0caae17d74d2161f1345eab14687ffcc946fa2212a77c2b668dce59d14d77613e49dc3f145e5d31fb02818058ee1f1af5c0b371169a3b65be136f58b6e2e8dd7e2906ec311f45bcf9427c6091778d71ed60bb768091df8dcfc7ac5e098068ece62a3ec41f2ea7fdcc7c2f9d32e29430c7df15ee15d7fc99eb387979aa7e002b77e9004c8917ec8cb587ce14bb669221ba719c0b8ad5464879f93005ebd52d9d4757e1310e3390618c5ab949028180032f0185a356007f7f46a3e7d55c05444b6704347cf0307bdd3d9f37c7f625569fcee65d0fa4f37f54f6722162627feb485b3237b419d93747f5c9ae389371fffaa7e3ffa972b7c0284d847e96d8ca7371d81318c8ce53e3090858ef90fcda1c4f54cdc20d7f4a74dbc0de9cc62cd3b33677b273815a26dc6ed3ed54adc749e10281802737be61402f2cc9339e2692d72f1e931b040d4fa8675a91f3b57b7fed2f9bf85fbe56ba2f6265b4297fd25e008b8661553818fda95e0520aa2109c2fc8d9e703876ca143820bf9804e2e078f119251b953498e312bc6db17aaafc6cf3d3acafbedb05167d73fa2095c8eaf80822e0239d62050f3cab404871c4a4b26772fd2a",
 "msg": "64796e776f726b6572205253412074657374206d657373616765",
 "pkcs1_sha256": "5812ef89e9ca41f14a6310d1af88ddc31b1cd537f577709fbdf483acd5d75cff45ec43b153d3df9140c39efa306b4d77fdc2da70eb449f10ea03cc910f6f51c7104355de4abfacc35073fdd40b7ed4ece80e879400fd41cb10f1a4018e10a88b5b296ff1088ae39f830555646d80fd0d059221c03973bae253cc6195a6a7396f8472e48b077d4813b19fd01e97f11e0c8684096adb7b81fa4f1a3fb3263cf68084601c9beaf81ac5e2a25a852e54faf69eb4656b171c2b3411a7e4a7a338b8d2b43f5e1f3ee2862a30ef670abd86b9843c99d1df0d5385eab8a4d87b0a0ae82a2445921bc9203e51986a189ef7423b1029de22cc2099f3800089f10bb2d8116f",
 "pss_sha256_salt32": "ae831fc93e0b171405e0ef8f4cd2a614cf691513a04f37a0e78702c1ea88fbd32d655e66705b9acbe78ff03544dfd1ad891c4a5e7e97fa998ab6f3ec4c54f88ffc56ea240321beb6330b66eb441145917d98146f5bff4c13bcf83a2ffacb4b7e2ee690de0934c11e485e9abd5f21cf45753049ef303ee4acaa589ad576f8c107760053c65021afb3857526defa74b3f434caf38ddd0a112e7c4fda44c896e8b17dbd2c3391ee75a6660119763bdacdd85a6f74d2059a54ab0e9ff29a8cc286330913197c141919c70ab0f73a7df3b93a2ae7e46b77607d742d5e90cd05635cdd09d60bc184afb7422c2f2275704a72d76dd59305726f21d640673da488f53bb5",
 "oaep_sha256_label": "857e3201f14fea0589849569824144e2244984eb12aa63ffcf2de653df95d03bbab450f7507961e607f9f9b9d7a819cd1215b80cf40138d7399addf5fddda592ca620ac1b1b2ca54b3cf659b14a464679ee15bd5d5e254d4d33061264322e32db89d795a03c763ab84665701fcd122da1d5a7f2a3a7e59a3ae3a177139adc1ed57084066a2332927dab3487288327a9dc797603acb9614ee107c5b13f5b46d524dca50d7233a0817c43d2d66d0592db468952ce382d9a9d163e4a78c64f7e9f95d0f4085522fd4cd7b3e2caa8ac02ae07d25134400cdfe19e2a654921cc326b00c6c38b5accfd5e31aa05c795c62fd5467e3ad6d46d16e76014a7f3e39f13a2a",
 "oaep_sha1": "297e2eceee21633ed2853a2d4e4b4c9db16d14c7a6063822c15131761c99e0e5ef32a65819dbbb161ecb9360a1b5825926d0c6a24e248326b75b11d1e8819b2fe85048b829e882eeadf1e915ef8c7286ecf404344685674997dbe17a0f0c1b6c41f4d0d1d093a3f3ce02828e57a0f4a2b8ad41f76ca7d58e1cfdf64a2d3894d2c49f6a09fb6cfdf657205e2bd2d3ad278c161ed1d7f6658eb48cba1c6559803b157bd3fcd8c1b05f290cd417940df3016c13a551017d2e277be2eec6429f2a8f96a93b9b57850a8d2aed568a81d929d7a75a902b6d6083d2eb9ad42fecb608e2a4ff64395c633b002d7a395aa75326f1fdd59d95142f7115c0a32d60bdf12261"
};

const ssa = (hash = 'SHA-256') => ({ name: 'RSASSA-PKCS1-v1_5', hash });
const pss = (hash = 'SHA-256') => ({ name: 'RSA-PSS', hash });
const oaep = (hash = 'SHA-256') => ({ name: 'RSA-OAEP', hash });

test('RSASSA-PKCS1-v1_5: the other implementation\'s signature, exactly', async () => {
  const priv = await S.importKey('pkcs8', hex(rsaKey.pkcs8), ssa(), true, ['sign']);
  const pub = await S.importKey('spki', hex(rsaKey.spki), ssa(), true, ['verify']);
  assertEq(priv.algorithm.modulusLength, 2048);
  assertArrayEq(priv.algorithm.publicExponent, [1, 0, 1]);
  assertEq(priv.algorithm.hash.name, 'SHA-256');
  assert(priv.algorithm.publicExponent instanceof Uint8Array);
  assertEq(toHex(await S.sign('RSASSA-PKCS1-v1_5', priv, hex(rsaKey.msg))), rsaKey.pkcs1_sha256);
  assertEq(await S.verify('RSASSA-PKCS1-v1_5', pub, hex(rsaKey.pkcs1_sha256), hex(rsaKey.msg)), true);
  const bad = hex(rsaKey.pkcs1_sha256);
  bad[5] ^= 1;
  assertEq(await S.verify('RSASSA-PKCS1-v1_5', pub, bad, hex(rsaKey.msg)), false);
  assertEq(await S.verify('RSASSA-PKCS1-v1_5', pub, bad.subarray(1), hex(rsaKey.msg)), false);
  // The same key through JWK (as from a JWKS endpoint) verifies too.
  const { n, e } = rsaKey.jwk;
  const fromJwk = await S.importKey('jwk', { kty: 'RSA', n, e, alg: 'RS256', ext: true }, ssa(), false, ['verify']);
  assertEq(await S.verify('RSASSA-PKCS1-v1_5', fromJwk, hex(rsaKey.pkcs1_sha256), hex(rsaKey.msg)), true);
  // Exports are byte-identical to what was imported.
  assertEq(toHex(await S.exportKey('spki', pub)), rsaKey.spki);
  assertEq(toHex(await S.exportKey('pkcs8', priv)), rsaKey.pkcs8);
  const jwk = await S.exportKey('jwk', priv);
  for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) assertEq(jwk[f], rsaKey.jwk[f], f);
  assertEq(jwk.alg, 'RS256');
  const privJwk = await S.importKey('jwk', rsaKey.jwk, ssa(), false, ['sign']);
  assertEq(toHex(await S.sign('RSASSA-PKCS1-v1_5', privJwk, hex(rsaKey.msg))), rsaKey.pkcs1_sha256);
});

test('RSA-PSS: verifies the other implementation\'s signature; round trips', async () => {
  const pub = await S.importKey('jwk', { kty: 'RSA', n: rsaKey.jwk.n, e: rsaKey.jwk.e }, pss(), true, ['verify']);
  const msg = hex(rsaKey.msg);
  assertEq(await S.verify({ name: 'RSA-PSS', saltLength: 32 }, pub, hex(rsaKey.pss_sha256_salt32), msg), true);
  assertEq(await S.verify({ name: 'RSA-PSS', saltLength: 20 }, pub, hex(rsaKey.pss_sha256_salt32), msg), false);
  const priv = await S.importKey('pkcs8', hex(rsaKey.pkcs8), pss(), false, ['sign']);
  for (const saltLength of [0, 32, 222]) {
    const sig = await S.sign({ name: 'RSA-PSS', saltLength }, priv, msg);
    assertEq(sig.byteLength, 256);
    assertEq(await S.verify({ name: 'RSA-PSS', saltLength }, pub, sig, msg), true, `${saltLength}`);
  }
  await assertRejects(S.sign({ name: 'RSA-PSS', saltLength: 223 }, priv, msg), 'OperationError', 'salt too long');
  await assertRejects(S.sign({ name: 'RSA-PSS' }, priv, msg), TypeError);
  await assertRejects(S.sign('RSASSA-PKCS1-v1_5', priv, msg), 'InvalidAccessError', 'a PSS key');
  assertEq((await S.exportKey('jwk', pub)).alg, 'PS256');
});

test('RSA-OAEP: decrypts the other implementation\'s ciphertexts; round trips', async () => {
  const priv = await S.importKey('pkcs8', hex(rsaKey.pkcs8), oaep(), false, ['decrypt']);
  const pub = await S.importKey('spki', hex(rsaKey.spki), oaep(), false, ['encrypt']);
  const label = new TextEncoder().encode('label');
  assertEq(toHex(await S.decrypt({ name: 'RSA-OAEP', label }, priv, hex(rsaKey.oaep_sha256_label))), rsaKey.msg);
  await assertRejects(S.decrypt({ name: 'RSA-OAEP' }, priv, hex(rsaKey.oaep_sha256_label)), 'OperationError', 'wrong label');
  const priv1 = await S.importKey('jwk', rsaKey.jwk, oaep('SHA-1'), false, ['decrypt']);
  assertEq(toHex(await S.decrypt('RSA-OAEP', priv1, hex(rsaKey.oaep_sha1))), rsaKey.msg);
  const c = await S.encrypt({ name: 'RSA-OAEP', label }, pub, hex(rsaKey.msg));
  assertEq(c.byteLength, 256);
  assertEq(toHex(await S.decrypt({ name: 'RSA-OAEP', label }, priv, c)), rsaKey.msg);
  const t = new Uint8Array(c);
  t[100] ^= 1;
  await assertRejects(S.decrypt({ name: 'RSA-OAEP', label }, priv, t), 'OperationError', 'tampered');
  await assertRejects(S.encrypt('RSA-OAEP', pub, new Uint8Array(191)), 'OperationError', 'too long for the key');
  assertEq((await S.encrypt('RSA-OAEP', pub, new Uint8Array(190))).byteLength, 256);
  await assertRejects(S.importKey('spki', hex(rsaKey.spki), oaep(), false, ['decrypt']), 'SyntaxError');
  await assertRejects(S.importKey('jwk', { ...rsaKey.jwk, alg: 'RS256' }, oaep(), false, ['decrypt']), 'DataError', 'alg RS256 is not RSA-OAEP-256');
  await assertRejects(S.importKey('jwk', { ...rsaKey.jwk, use: 'sig' }, oaep(), false, ['decrypt']), 'DataError', 'use sig');
});

test('RSA: generateKey', async () => {
  const { publicKey, privateKey } = await S.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-512' },
    true, ['sign', 'verify']);
  assertEq(publicKey.algorithm.modulusLength, 1024);
  assertEq(privateKey.algorithm.hash.name, 'SHA-512');
  assertArrayEq(privateKey.usages, ['sign']);
  const msg = new Uint8Array(100);
  const sig = await S.sign('RSASSA-PKCS1-v1_5', privateKey, msg);
  assertEq(await S.verify('RSASSA-PKCS1-v1_5', publicKey, sig, msg), true);
  const jwk = await S.exportKey('jwk', privateKey);
  assertEq(jwk.alg, 'RS512');
  const o = await S.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([3]), hash: 'SHA-256' },
    false, ['encrypt', 'decrypt', 'wrapKey']);
  assertArrayEq(o.publicKey.usages, ['encrypt', 'wrapKey']);
  assertArrayEq(o.privateKey.usages, ['decrypt']);
  assertArrayEq(o.publicKey.algorithm.publicExponent, [3]);
  const c = await S.encrypt('RSA-OAEP', o.publicKey, msg.subarray(0, 20));
  assertEq((await S.decrypt('RSA-OAEP', o.privateKey, c)).byteLength, 20);
  const base = { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  for (const bad of [{ modulusLength: 512 }, { modulusLength: 8192 }, { modulusLength: 1025 }, { publicExponent: new Uint8Array([1]) }, { publicExponent: new Uint8Array([1, 0, 0]) }]) {
    await assertRejects(S.generateKey({ ...base, ...bad }, true, ['sign']), 'OperationError', JSON.stringify(bad));
  }
  await assertRejects(S.generateKey({ ...base, publicExponent: [1, 0, 1] }, true, ['sign']), TypeError);
  await assertRejects(S.generateKey({ ...base, hash: undefined }, true, ['sign']), TypeError);
  await assertRejects(S.generateKey(base, true, ['verify']), 'SyntaxError');
  await assertRejects(S.generateKey(base, true, ['encrypt']), 'SyntaxError');
});

test('RSA: bad key data', async () => {
  const { n, e, d } = rsaKey.jwk;
  await assertRejects(S.importKey('jwk', { kty: 'RSA', n, e, d }, ssa(), false, ['sign']), 'DataError', 'no CRT parameters');
  await assertRejects(S.importKey('jwk', { ...rsaKey.jwk, d: rsaKey.jwk.dp }, ssa(), false, ['sign']), 'DataError', 'inconsistent d');
  await assertRejects(S.importKey('jwk', { kty: 'RSA', n }, ssa(), false, ['verify']), 'DataError');
  await assertRejects(S.importKey('jwk', { kty: 'EC', n, e }, ssa(), false, ['verify']), 'DataError');
  await assertRejects(S.importKey('raw', hex(rsaKey.spki), ssa(), false, ['verify']), 'NotSupportedError');
  await assertRejects(S.importKey('spki', hex(rsaKey.pkcs8), ssa(), false, ['verify']), 'DataError');
  await assertRejects(S.importKey('pkcs8', hex(rsaKey.spki), ssa(), false, ['sign']), 'DataError');
  const ec = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  await assertRejects(S.importKey('pkcs8', await S.exportKey('pkcs8', ec.privateKey), ssa(), false, ['sign']), 'DataError');
  await assertRejects(S.importKey('spki', hex(rsaKey.spki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']), 'DataError');
  const pub = await S.importKey('spki', hex(rsaKey.spki), ssa(), false, ['verify']);
  await assertRejects(S.exportKey('spki', pub), 'InvalidAccessError', 'not extractable');
  const pub2 = await S.importKey('spki', hex(rsaKey.spki), ssa(), true, ['verify']);
  await assertRejects(S.exportKey('pkcs8', pub2), 'InvalidAccessError');
  await assertRejects(S.exportKey('raw', pub2), 'NotSupportedError');
});
