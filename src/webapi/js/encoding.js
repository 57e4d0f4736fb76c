// TextEncoder and TextDecoder (WHATWG Encoding): utf-8, utf-16le, utf-16be, windows-1252
// (which the labels latin1, ascii and iso-8859-1 name). Valid UTF-8 is decoded by a native
// fast path; everything else goes through the spec's decoders below.
(function (H, P, load) {
  'use strict';
  const { Object, String, Symbol, Reflect, TypeError, RangeError, Uint8Array, ArrayBuffer,
    DataView, Math } = P;
  const uncurry = (f) => (self, ...args) => Reflect.apply(f, self, args);
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
  const fromCharCode = String.fromCharCode;
  const MAX_ENCODE = 1 << 27; // code units: keeps the UTF-8 copy under 384 MiB

  const is = (check, v) => { try { check(v); return true; } catch { return false; } };

  // The bytes of a BufferSource as a Uint8Array view (no copy).
  function bytesOf(input, what) {
    if (taTag(input) !== undefined) return new Uint8Array(taBuffer(input), taOffset(input), taByteLength(input));
    if (is(abByteLength, input)) return new Uint8Array(input);
    if (is(dvLength, input)) return new Uint8Array(dvBuffer(input), dvOffset(input), dvLength(input));
    throw new TypeError(`${what}: The provided value is not of type '(ArrayBuffer or ArrayBufferView)'`);
  }

  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') {
      const s = `${input}`;
      if (s.length > MAX_ENCODE) throw new RangeError('TextEncoder.encode: string too long');
      return new Uint8Array(H.utf8Encode(s));
    }
    encodeInto(source, destination) {
      const s = `${source}`;
      if (taTag(destination) !== 'Uint8Array') {
        throw new TypeError("TextEncoder.encodeInto: parameter 2 is not of type 'Uint8Array'");
      }
      const len = destination.length;
      let read = 0, written = 0;
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        let units = 1;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            units = 2;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        const need = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (written + need > len) break;
        if (need === 1) destination[written++] = c;
        else if (need === 2) {
          destination[written++] = 0xc0 | (c >> 6);
          destination[written++] = 0x80 | (c & 0x3f);
        } else if (need === 3) {
          destination[written++] = 0xe0 | (c >> 12);
          destination[written++] = 0x80 | ((c >> 6) & 0x3f);
          destination[written++] = 0x80 | (c & 0x3f);
        } else {
          destination[written++] = 0xf0 | (c >> 18);
          destination[written++] = 0x80 | ((c >> 12) & 0x3f);
          destination[written++] = 0x80 | ((c >> 6) & 0x3f);
          destination[written++] = 0x80 | (c & 0x3f);
        }
        read += units;
        i += units - 1;
      }
      return { read, written };
    }
  }
  Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: 'TextEncoder', configurable: true });

  const labels = { __proto__: null };
  const addLabels = (name, list) => { for (const l of list.split(' ')) labels[l] = name; };
  addLabels('utf-8', 'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8');
  addLabels('utf-16le', 'csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le');
  addLabels('utf-16be', 'unicodefffe utf-16be');
  addLabels('windows-1252', 'ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 ' +
    'iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252');
  const cp1252 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030,
    0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178];

  // Collects UTF-16 code units and turns them into a string in chunks.
  class Sink {
    constructor() { this.parts = ''; this.units = []; }
    push(u) {
      this.units.push(u);
      if (this.units.length >= 8192) this.flush();
    }
    pushCodePoint(cp) {
      if (cp >= 0x10000) {
        cp -= 0x10000;
        this.push(0xd800 | (cp >> 10));
        this.push(0xdc00 | (cp & 0x3ff));
      } else {
        this.push(cp);
      }
    }
    flush() {
      if (this.units.length) this.parts += Reflect.apply(fromCharCode, null, this.units);
      this.units = [];
    }
    string() { this.flush(); return this.parts; }
  }

  const invalid = (enc) => new TypeError(`The encoded data was not valid for encoding ${enc}`);

  // WHATWG UTF-8 decoder over bytes[from, to); state kept in `s` across stream chunks.
  function utf8Slow(s, bytes, from, to, flush, fatal, sink) {
    for (let i = from; i < to; i++) {
      const b = bytes[i];
      if (s.need === 0) {
        if (b <= 0x7f) sink.push(b);
        else if (b >= 0xc2 && b <= 0xdf) { s.need = 1; s.cp = b & 0x1f; }
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) s.lower = 0xa0;
          if (b === 0xed) s.upper = 0x9f;
          s.need = 2; s.cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) s.lower = 0x90;
          if (b === 0xf4) s.upper = 0x8f;
          s.need = 3; s.cp = b & 0x7;
        } else {
          if (fatal) throw invalid('utf-8');
          sink.push(0xfffd);
        }
        continue;
      }
      if (b < s.lower || b > s.upper) {
        s.cp = s.need = s.seen = 0; s.lower = 0x80; s.upper = 0xbf;
        if (fatal) throw invalid('utf-8');
        sink.push(0xfffd);
        i--; // reprocess this byte
        continue;
      }
      s.lower = 0x80; s.upper = 0xbf;
      s.cp = (s.cp << 6) | (b & 0x3f);
      if (++s.seen === s.need) {
        sink.pushCodePoint(s.cp);
        s.cp = s.need = s.seen = 0;
      }
    }
    if (flush && s.need !== 0) {
      s.cp = s.need = s.seen = 0; s.lower = 0x80; s.upper = 0xbf;
      if (fatal) throw invalid('utf-8');
      sink.push(0xfffd);
    }
  }

  // Where the last complete UTF-8 sequence of bytes[from, to) ends (a stream may split one).
  function completeEnd(bytes, from, to) {
    for (let k = 1; k <= 3 && to - k >= from; k++) {
      const b = bytes[to - k];
      if ((b & 0xc0) === 0x80) continue;
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return len > k ? to - k : to;
    }
    return to;
  }

  function decodeUtf8(s, bytes, stream, fatal) {
    const sink = new Sink();
    let i = 0;
    const n = bytes.length;
    // Finish a sequence left open by the previous chunk.
    while (s.need !== 0 && i < n) utf8Slow(s, bytes, i, ++i, false, fatal, sink);
    const end = stream ? completeEnd(bytes, i, n) : n;
    if (end > i) {
      const fast = H.utf8Decode(bytes.subarray(i, end));
      if (fast !== undefined) {
        sink.flush();
        sink.parts += fast;
        i = end;
      }
    }
    utf8Slow(s, bytes, i, n, !stream, fatal, sink);
    return sink.string();
  }

  function decodeUtf16(s, bytes, stream, fatal, be) {
    const sink = new Sink();
    const enc = be ? 'utf-16be' : 'utf-16le';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (s.leadByte === -1) { s.leadByte = b; continue; }
      let cu = be ? (s.leadByte << 8) | b : (b << 8) | s.leadByte;
      s.leadByte = -1;
      if (s.leadSurrogate !== -1) {
        const lead = s.leadSurrogate;
        s.leadSurrogate = -1;
        if (cu >= 0xdc00 && cu <= 0xdfff) {
          sink.push(lead);
          sink.push(cu);
          continue;
        }
        if (fatal) throw invalid(enc);
        sink.push(0xfffd);
      }
      if (cu >= 0xd800 && cu <= 0xdbff) { s.leadSurrogate = cu; continue; }
      if (cu >= 0xdc00 && cu <= 0xdfff) {
        if (fatal) throw invalid(enc);
        cu = 0xfffd;
      }
      sink.push(cu);
    }
    if (!stream && (s.leadByte !== -1 || s.leadSurrogate !== -1)) {
      s.leadByte = s.leadSurrogate = -1;
      if (fatal) throw invalid(enc);
      sink.push(0xfffd);
    }
    return sink.string();
  }

  function decode1252(bytes) {
    const sink = new Sink();
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      sink.push(b >= 0x80 && b <= 0x9f ? cp1252[b - 0x80] : b);
    }
    return sink.string();
  }

  const freshState = () => ({ need: 0, seen: 0, cp: 0, lower: 0x80, upper: 0xbf,
    leadByte: -1, leadSurrogate: -1, bomSeen: false });

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    #state = freshState();
    constructor(label = 'utf-8', options = undefined) {
      const key = `${label}`.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
      const encoding = labels[key];
      if (encoding === undefined) throw new RangeError(`TextDecoder: unsupported encoding '${label}'`);
      if (options !== undefined && options !== null && typeof options !== 'object') {
        throw new TypeError('TextDecoder: options must be an object');
      }
      this.#encoding = encoding;
      this.#fatal = !!(options && options.fatal);
      this.#ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = undefined, options = undefined) {
      if (options !== undefined && options !== null && typeof options !== 'object') {
        throw new TypeError('TextDecoder.decode: options must be an object');
      }
      const stream = !!(options && options.stream);
      const bytes = input === undefined ? new Uint8Array(0) : bytesOf(input, 'TextDecoder.decode');
      const s = this.#state;
      let out;
      try {
        if (this.#encoding === 'utf-8') out = decodeUtf8(s, bytes, stream, this.#fatal);
        else if (this.#encoding === 'windows-1252') out = decode1252(bytes);
        else out = decodeUtf16(s, bytes, stream, this.#fatal, this.#encoding === 'utf-16be');
      } catch (e) {
        this.#state = freshState();
        throw e;
      }
      if (this.#encoding !== 'windows-1252' && !this.#ignoreBOM && !s.bomSeen && out.length > 0) {
        s.bomSeen = true;
        if (out.charCodeAt(0) === 0xfeff) out = out.slice(1);
      }
      if (!stream) this.#state = freshState();
      return out;
    }
  }
  Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: 'TextDecoder', configurable: true });

  return { __proto__: null, TextEncoder, TextDecoder };
})
