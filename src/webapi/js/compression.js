// CompressionStream and DecompressionStream (Compression Standard): gzip, deflate and
// deflate-raw through zlib (H.zlib*, src/webapi/compress.c). Output comes in slices of at
// most 64 KiB and the producer waits for the readable side between slices, so a
// decompression bomb costs neither unbounded C memory nor an unbounded queue.
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, RangeError, Float64Array, Uint8Array, WeakRef,
    ArrayBuffer, Array } = P;
  const apply = Reflect.apply;
  const T = load('%transform');
  const S = load('%streams');
  const u8Sub = (u, a, b) => apply(Uint8Array.prototype.subarray, u, [a, b]);
  const splice = (a, i) => apply(Array.prototype.splice, a, [i, 1]);
  const formats = { __proto__: null, deflate: 0, 'deflate-raw': 1, gzip: 2 };
  const SLICE = 64 * 1024;
  // Open zlib states per realm (C memory outside the guest heap: ~300 KiB each for
  // compression). Abandoned streams are released by the garbage collector (the handle's
  // finalizer); their WeakRefs are swept when the cap is reached.
  const MAX_OPEN = 32;
  const open = [];

  function openHandle(format, decompress) {
    if (open.length >= MAX_OPEN) {
      for (let i = open.length - 1; i >= 0; i--) if (open[i].deref() === undefined) splice(open, i);
    }
    if (open.length >= MAX_OPEN) {
      throw new RangeError(`Too many open compression streams (at most ${MAX_OPEN}); finish or cancel some first`);
    }
    const h = H.zlibNew(format, decompress);
    const ref = new WeakRef(h);
    open[open.length] = ref;
    let ended = false;
    return {
      h,
      end() {
        if (ended) return;
        ended = true;
        H.zlibEnd(h);
        for (let i = 0; i < open.length; i++) if (open[i] === ref) { splice(open, i); break; }
      },
    };
  }

  function bytesOf(chunk) {
    if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
    const v = S.viewInfo(chunk);
    if (v === null) throw new TypeError('The chunk is not an ArrayBuffer or ArrayBufferView');
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  function makeTransform(what, format, decompress) {
    const f = `${format}`;
    if (!(f in formats)) throw new TypeError(`${what}: Unsupported compression format: '${f}'`);
    const z = openHandle(formats[f], decompress);
    const state = new Float64Array(2);
    let done = false;
    // Feeds `input` (or nothing when finishing) and enqueues all the output it makes.
    async function run(input, finish, enq, wait) {
      let rest = input;
      if (done) {
        if (rest !== undefined && rest.length > 0) throw new TypeError('Junk found after end of compressed data');
        return;
      }
      for (;;) {
        const out = H.zlibPush(z.h, rest, finish, state);
        const consumed = state[0];
        const ended = state[1] === 1;
        const n = out.byteLength;
        if (rest !== undefined) rest = consumed >= rest.length ? undefined : u8Sub(rest, consumed, rest.length);
        if (n > 0) {
          enq(new Uint8Array(out));
          const w = wait();
          if (w !== null) await w;
        }
        if (ended) {
          done = true;
          if (decompress && rest !== undefined) throw new TypeError('Junk found after end of compressed data');
          return;
        }
        if (n === 0 && consumed === 0) {
          if (finish && decompress) throw new TypeError('Unexpected end of compressed data');
          return;
        }
        if (rest === undefined && n < SLICE && !finish) return;
      }
    }
    const guard = (p) => S.then(p, undefined, (e) => { z.end(); throw e; });
    const t = T.createTransform(
      (chunk, enq, wait) => {
        let input;
        try { input = bytesOf(chunk); } catch (e) { z.end(); throw e; }
        if (input.length === 0) return undefined;
        return guard(run(input, false, enq, wait));
      },
      (enq, wait) => S.then(guard(run(undefined, true, enq, wait)), () => {
        z.end();
        if (decompress && !done) throw new TypeError('Unexpected end of compressed data');
      }),
      () => { z.end(); });
    return t;
  }

  class CompressionStream {
    #t;
    constructor(format) {
      if (arguments.length === 0) throw new TypeError('CompressionStream: 1 argument required');
      this.#t = makeTransform('CompressionStream', format, false);
    }
    get readable() { return this.#t.readable.obj; }
    get writable() { return this.#t.writable.obj; }
  }
  class DecompressionStream {
    #t;
    constructor(format) {
      if (arguments.length === 0) throw new TypeError('DecompressionStream: 1 argument required');
      this.#t = makeTransform('DecompressionStream', format, true);
    }
    get readable() { return this.#t.readable.obj; }
    get writable() { return this.#t.writable.obj; }
  }
  for (const C of [CompressionStream, DecompressionStream]) {
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: C.name, configurable: true });
  }
  return { __proto__: null, CompressionStream, DecompressionStream };
})
