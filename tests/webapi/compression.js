// CompressionStream and DecompressionStream (zlib).
const concat = (chunks) => {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
};
const readAll = async (rs) => { const out = []; for await (const c of rs) out.push(c); return concat(out); };
const through = async (ts, ...chunks) => {
  const w = ts.writable.getWriter();
  const done = readAll(ts.readable);
  for (const c of chunks) w.write(c).catch(() => {});
  w.close().catch(() => {});
  return done;
};
const text = 'Hello, hello, hello, compression! '.repeat(200);
const bytes = new TextEncoder().encode(text);

test('round trip for every format', async () => {
  for (const f of ['gzip', 'deflate', 'deflate-raw']) {
    const z = await through(new CompressionStream(f), bytes);
    assert(z.length < bytes.length / 5, `${f} compresses`);
    const back = await through(new DecompressionStream(f), z);
    assertEq(new TextDecoder().decode(back), text, f);
  }
});

test('known headers: gzip magic, zlib header', async () => {
  const g = await through(new CompressionStream('gzip'), bytes);
  assertEq(g[0], 0x1f);
  assertEq(g[1], 0x8b);
  const d = await through(new CompressionStream('deflate'), bytes);
  assertEq(d[0] & 0x0f, 8, 'CM = deflate');
  assertEq(((d[0] << 8) | d[1]) % 31, 0, 'FCHECK');
});

test('decompress a fixed vector (gzip of "abc")', async () => {
  const gz = new Uint8Array([31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 75, 76, 74, 6, 0, 194, 65, 36, 53, 3, 0, 0, 0]);
  assertEq(new TextDecoder().decode(await through(new DecompressionStream('gzip'), gz)), 'abc');
  const split = [gz.slice(0, 5), gz.slice(5, 12), gz.slice(12)];
  assertEq(new TextDecoder().decode(await through(new DecompressionStream('gzip'), ...split)), 'abc');
});

test('chunk types: ArrayBuffer, views, empty; not strings', async () => {
  const z = await through(new CompressionStream('deflate'), bytes.buffer.slice(0), new DataView(bytes.buffer, 0, 10), new Uint8Array(0));
  const back = await through(new DecompressionStream('deflate'), z);
  assertEq(back.length, bytes.length + 10);
  await assertRejects(through(new CompressionStream('gzip'), 'string'), TypeError);
});

test('bad formats and corrupt input', async () => {
  assertThrows(() => new CompressionStream('brotli'), TypeError);
  assertThrows(() => new DecompressionStream(), TypeError);
  await assertRejects(through(new DecompressionStream('gzip'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), TypeError);
  const z = await through(new CompressionStream('gzip'), bytes);
  await assertRejects(through(new DecompressionStream('gzip'), z.slice(0, z.length - 4)), TypeError, 'truncated');
  const junk = concat([z, new Uint8Array([1, 2, 3])]);
  await assertRejects(through(new DecompressionStream('gzip'), junk), TypeError, 'trailing junk');
  await assertRejects(through(new DecompressionStream('deflate'), z), TypeError, 'wrong format');
});

test('a decompression bomb comes out in bounded slices, pulled by the reader', async () => {
  const zeros = new Uint8Array(16 * 1024 * 1024);
  const bomb = await through(new CompressionStream('gzip'), zeros);
  assert(bomb.length < 64 * 1024, 'small input');
  const ds = new DecompressionStream('gzip');
  const w = ds.writable.getWriter();
  w.write(bomb).catch(() => {});
  w.close().catch(() => {});
  const r = ds.readable.getReader();
  let total = 0, max = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    total += value.length;
    max = Math.max(max, value.length);
  }
  assertEq(total, zeros.length);
  assert(max <= 64 * 1024, `slice ${max}`);
  // Reading stops the producer: cancel after one chunk leaves the rest uninflated.
  const ds2 = new DecompressionStream('gzip');
  const w2 = ds2.writable.getWriter();
  w2.write(bomb).catch(() => {});
  const r2 = ds2.readable.getReader();
  await r2.read();
  await r2.cancel('enough');
  await assertRejects(w2.closed);
});

test('pipeThrough and Response bodies', async () => {
  const rs = new Response(text).body.pipeThrough(new CompressionStream('gzip')).pipeThrough(new DecompressionStream('gzip'));
  assertEq(await new Response(rs).text(), text);
});

test('open zlib states are capped; finished ones are released', async () => {
  const kept = [];
  let threw = null;
  try { for (let i = 0; i < 100; i++) kept.push(new CompressionStream('gzip')); } catch (e) { threw = e; }
  assert(threw instanceof RangeError, 'cap reached');
  for (const cs of kept) await cs.writable.abort('x').catch(() => {});
  for (const cs of kept) await cs.readable.cancel().catch(() => {});
  const again = new CompressionStream('deflate');
  assert(again instanceof CompressionStream);
});
