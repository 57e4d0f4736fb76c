// Blob and File (File API). A blob's bytes are one immutable Uint8Array, copied from its
// parts at construction (slices share it); at most MAX_BLOB bytes.
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, RangeError, Uint8Array, ArrayBuffer, DataView,
    Promise, Math, Date, String } = P;
  const apply = Reflect.apply;
  const uncurry = (f) => (self, ...args) => apply(f, self, args);
  const getter = (proto, key) => uncurry(Reflect.getOwnPropertyDescriptor(proto, key).get);
  const TypedArray = Reflect.getPrototypeOf(Uint8Array);
  const taTag = getter(TypedArray.prototype, Symbol.toStringTag);
  const taBuffer = getter(TypedArray.prototype, 'buffer');
  const taOffset = getter(TypedArray.prototype, 'byteOffset');
  const taByteLength = getter(TypedArray.prototype, 'byteLength');
  const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const u8Set = uncurry(Uint8Array.prototype.set);
  const u8Subarray = uncurry(Uint8Array.prototype.subarray);
  const u8Slice = uncurry(Uint8Array.prototype.slice);
  const abSlice = uncurry(ArrayBuffer.prototype.slice);
  const strReplace = uncurry(String.prototype.replace);
  const strToLower = uncurry(String.prototype.toLowerCase);
  const is = (check, v) => { try { check(v); return true; } catch { return false; } };
  const MAX_BLOB = 128 * 1024 * 1024;
  const EMPTY = Object.freeze({ __proto__: null });
  const CHUNK = 65536; // bytes per chunk of stream()
  const tooBig = () => new RangeError(`Blob exceeds the limit of ${MAX_BLOB} bytes`);
  const encode = (s) => new Uint8Array(H.utf8Encode(s));
  const toWellFormed = String.prototype.toWellFormed
    ? uncurry(String.prototype.toWellFormed)
    : (s) => strReplace(s, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

  // The bytes of a BufferSource (a view of them, not a copy), or null.
  function bufferBytes(v) {
    if (is(abByteLength, v)) return new Uint8Array(v);
    if (taTag(v) !== undefined) return new Uint8Array(taBuffer(v), taOffset(v), taByteLength(v));
    if (is(dvLength, v)) return new Uint8Array(dvBuffer(v), dvOffset(v), dvLength(v));
    return null;
  }

  // A blob type: lowercase printable ASCII, or '' if anything else is in it.
  const normalizeType = (t) => (/^[\x20-\x7e]*$/.test(t) ? strToLower(t) : '');

  let blobBytes; // (blob) -> Uint8Array, or a TypeError
  let makeBlob; // (bytes, type) -> Blob sharing bytes
  let setBytes; // (blob, bytes): for clones

  function options(o, what) {
    if (o !== undefined && o !== null && typeof o !== 'object' && typeof o !== 'function') {
      throw new TypeError(`${what}: options must be an object`);
    }
    return o || EMPTY; // an absent dictionary reads nothing
  }

  function collect(blobParts, endings, what) {
    const parts = [];
    let total = 0;
    if (blobParts === undefined) return new Uint8Array(0);
    if (blobParts === null || typeof blobParts !== 'object' || typeof blobParts[Symbol.iterator] !== 'function') {
      throw new TypeError(`${what}: The provided value cannot be converted to a sequence.`);
    }
    for (const part of blobParts) {
      let bytes = null;
      if (part !== null && typeof part === 'object') {
        bytes = bufferBytes(part);
        if (bytes === null && isBlob(part)) bytes = blobBytes(part);
      }
      if (bytes === null) {
        let s = toWellFormed(`${part}`);
        if (endings === 'native') s = strReplace(s, /\r\n?/g, '\n');
        if (s.length > MAX_BLOB) throw tooBig();
        bytes = encode(s);
      } else {
        bytes = u8Slice(bytes); // a copy: later writes to the source must not show
      }
      total += bytes.length;
      if (total > MAX_BLOB) throw tooBig();
      parts[parts.length] = bytes;
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < parts.length; i++) { u8Set(out, parts[i], at); at += parts[i].length; }
    return out;
  }
  let isBlob;

  class Blob {
    #bytes;
    #type;
    static {
      blobBytes = (b) => {
        if (b === null || typeof b !== 'object' || !(#bytes in b)) throw new TypeError('Illegal invocation');
        return b.#bytes;
      };
      isBlob = (b) => b !== null && typeof b === 'object' && #bytes in b;
      setBytes = (b, bytes) => { b.#bytes = bytes; };
      makeBlob = (bytes, type) => {
        const b = new Blob();
        b.#bytes = bytes;
        b.#type = type;
        return b;
      };
    }
    constructor(blobParts = undefined, opts = undefined) {
      const o = options(opts, 'Blob');
      const type = o.type === undefined ? '' : `${o.type}`;
      const endings = o.endings === undefined ? 'transparent' : `${o.endings}`;
      if (endings !== 'transparent' && endings !== 'native') {
        throw new TypeError(`Blob: '${endings}' is not a valid value for 'endings'`);
      }
      this.#bytes = collect(blobParts, endings, 'Blob');
      this.#type = normalizeType(type);
    }
    get size() { return blobBytes(this).length; }
    get type() { blobBytes(this); return this.#type; }
    slice(start = undefined, end = undefined, contentType = undefined) {
      const bytes = blobBytes(this);
      const n = bytes.length;
      const rel = (v, dflt) => {
        if (v === undefined) return dflt;
        let x = Math.trunc(+v);
        if (x !== x) x = 0;
        return x < 0 ? Math.max(n + x, 0) : Math.min(x, n);
      };
      const from = rel(start, 0);
      const to = rel(end, n);
      const type = contentType === undefined ? '' : normalizeType(`${contentType}`);
      return makeBlob(u8Subarray(bytes, from, Math.max(to, from)), type);
    }
    text() {
      try {
        const bytes = blobBytes(this);
        return Promise.resolve(new (load('TextDecoder'))().decode(bytes));
      } catch (e) { return Promise.reject(e); }
    }
    arrayBuffer() {
      try {
        const bytes = blobBytes(this);
        return Promise.resolve(abSlice(taBuffer(bytes), taOffset(bytes), taOffset(bytes) + bytes.length));
      } catch (e) { return Promise.reject(e); }
    }
    bytes() {
      try {
        return Promise.resolve(u8Slice(blobBytes(this)));
      } catch (e) { return Promise.reject(e); }
    }
    stream() {
      const bytes = blobBytes(this);
      let at = 0;
      const RS = load('ReadableStream');
      return new RS({
        type: 'bytes',
        pull(c) {
          if (at >= bytes.length) { c.close(); return; }
          const n = Math.min(CHUNK, bytes.length - at);
          c.enqueue(u8Slice(bytes, at, at + n));
          at += n;
          if (at >= bytes.length) c.close();
        },
      });
    }
  }
  Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: 'Blob', configurable: true });

  let fileInfo; // (file) -> [name, lastModified], or null for a Blob that is not a File

  class File extends Blob {
    #name;
    #lastModified;
    static { fileInfo = (f) => (#name in f ? [f.#name, f.#lastModified] : null); }
    constructor(fileBits, fileName, opts = undefined) {
      if (arguments.length < 2) throw new TypeError(`File: 2 arguments required, but only ${arguments.length} present.`);
      const o = options(opts, 'File');
      super(fileBits, o);
      this.#name = toWellFormed(`${fileName}`);
      if (o.lastModified === undefined) {
        this.#lastModified = Date.now();
      } else {
        // WebIDL long long.
        const t = Math.trunc(+o.lastModified);
        this.#lastModified = t === t && t !== Infinity && t !== -Infinity ? t : 0;
      }
    }
    get name() {
      if (!(#name in this)) throw new TypeError('Illegal invocation');
      return this.#name;
    }
    get lastModified() {
      if (!(#name in this)) throw new TypeError('Illegal invocation');
      return this.#lastModified;
    }
    get webkitRelativePath() {
      if (!(#name in this)) throw new TypeError('Illegal invocation');
      return '';
    }
  }
  Object.defineProperty(File.prototype, Symbol.toStringTag, { value: 'File', configurable: true });

  // For fetch and FormData ("%blob"): bytes of a blob (shared, never to be written), a blob
  // from bytes (taken, not copied), the BufferSource view helper and USVString conversion.
  // structuredClone of a Blob or File: the bytes are shared (they are never written).
  function cloneBlob(b) {
    const bytes = blobBytes(b);
    const type = apply(Reflect.getOwnPropertyDescriptor(Blob.prototype, 'type').get, b, []);
    const info = fileInfo(b);
    if (info === null) return makeBlob(bytes, type);
    const f = new File([], info[0], { type, lastModified: info[1] });
    setBytes(f, bytes);
    return f;
  }
  const internals = Object.freeze({ __proto__: null, isBlob, blobBytes, makeBlob, bufferBytes,
    toWellFormed, cloneBlob, MAX_BLOB });
  return { __proto__: null, Blob, File, '%blob': internals };
})
