// FormData (XMLHttpRequest Standard) without forms: an ordered list of (name, value) where a
// value is a string or a File (a Blob is wrapped in a File named "blob").
(function (H, P, load) {
  'use strict';
  const { Object, Symbol, Reflect, TypeError, RangeError, Array } = P;
  const apply = Reflect.apply;
  const B = load('%blob');
  const File = load('File');
  const MAX_ENTRIES = 100000;

  // "Create an entry".
  function entry(name, value, filename, nargs) {
    const n = B.toWellFormed(`${name}`);
    if (B.isBlob(value)) {
      const isFile = value instanceof File;
      if (isFile && nargs < 3) return [n, value];
      const fname = nargs >= 3 ? B.toWellFormed(`${filename}`) : isFile ? value.name : 'blob';
      const opts = { type: value.type };
      if (isFile) opts.lastModified = value.lastModified;
      return [n, new File([value], fname, opts)];
    }
    if (nargs >= 3) throw new TypeError("FormData: parameter 2 is not of type 'Blob'");
    return [n, B.toWellFormed(`${value}`)];
  }

  let listOf;

  class FormData {
    #list = [];
    static {
      listOf = (f) => {
        if (f === null || typeof f !== 'object' || !(#list in f)) throw new TypeError('Illegal invocation');
        return f.#list;
      };
    }
    constructor(form = undefined, submitter = undefined) {
      if (form !== undefined) throw new TypeError("FormData: parameter 1 is not of type 'HTMLFormElement'");
      void submitter;
    }
    append(name, value, filename = undefined) {
      if (arguments.length < 2) throw new TypeError('FormData.append: 2 arguments required');
      const list = listOf(this);
      const e = entry(name, value, filename, arguments.length);
      if (list.length >= MAX_ENTRIES) throw new RangeError('FormData: too many entries');
      list[list.length] = e;
    }
    delete(name) {
      const list = listOf(this);
      const n = B.toWellFormed(`${name}`);
      this.#list = apply(Array.prototype.filter, list, [(e) => e[0] !== n]);
    }
    get(name) {
      const list = listOf(this);
      const n = B.toWellFormed(`${name}`);
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) return list[i][1];
      return null;
    }
    getAll(name) {
      const list = listOf(this);
      const n = B.toWellFormed(`${name}`);
      const out = [];
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) out[out.length] = list[i][1];
      return out;
    }
    has(name) {
      const list = listOf(this);
      const n = B.toWellFormed(`${name}`);
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) return true;
      return false;
    }
    set(name, value, filename = undefined) {
      if (arguments.length < 2) throw new TypeError('FormData.set: 2 arguments required');
      const list = listOf(this);
      const e = entry(name, value, filename, arguments.length);
      const out = [];
      let placed = false;
      for (let i = 0; i < list.length; i++) {
        if (list[i][0] !== e[0]) out[out.length] = list[i];
        else if (!placed) { out[out.length] = e; placed = true; }
      }
      if (!placed) {
        if (out.length >= MAX_ENTRIES) throw new RangeError('FormData: too many entries');
        out[out.length] = e;
      }
      this.#list = out;
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') throw new TypeError("FormData.forEach: parameter 1 is not of type 'Function'");
      for (let i = 0; i < listOf(this).length; i++) {
        const e = this.#list[i];
        apply(callback, thisArg, [e[1], e[0], this]);
      }
    }
    // Live iterators, as the spec's: entries appended during iteration are seen.
    *entries() { for (let i = 0; i < listOf(this).length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
    *keys() { for (let i = 0; i < listOf(this).length; i++) yield this.#list[i][0]; }
    *values() { for (let i = 0; i < listOf(this).length; i++) yield this.#list[i][1]; }
  }
  Object.defineProperty(FormData.prototype, Symbol.iterator,
    { value: FormData.prototype.entries, writable: true, configurable: true });
  Object.defineProperty(FormData.prototype, Symbol.toStringTag, { value: 'FormData', configurable: true });

  // ---- multipart/form-data (for fetch bodies) ----------------------------------------------

  const { Uint8Array, String } = P;
  const u8Set = (to, from, at) => apply(Uint8Array.prototype.set, to, [from, at]);
  const u8Sub = (u, a, b) => apply(Uint8Array.prototype.subarray, u, [a, b]);
  const encode = (str) => new Uint8Array(H.utf8Encode(str));
  const replace = (str, re, f) => apply(String.prototype.replace, str, [re, f]);
  // Names and filenames: newlines and quotes percent-escaped, as the HTML standard says.
  const escapeField = (n) => replace(n, /[\n\r"]/g, (c) => (c === '\n' ? '%0A' : c === '\r' ? '%0D' : '%22'));

  // Serialises a FormData: { bytes, type } (RFC 7578, as the HTML standard says). Throws a
  // RangeError past `max` bytes.
  function serialize(fd, max) {
    const list = listOf(fd);
    const rnd = new Uint8Array(12);
    H.random(rnd);
    let boundary = '----dynworkerFormBoundary';
    for (let i = 0; i < rnd.length; i++) boundary += (rnd[i] & 15).toString(16) + (rnd[i] >> 4).toString(16);
    const parts = [];
    let total = 0;
    const push = (u) => {
      total += u.length;
      if (total > max) throw new RangeError(`Body exceeds the limit of ${max} bytes`);
      parts[parts.length] = u;
    };
    for (let i = 0; i < list.length; i++) {
      const [name, value] = list[i];
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeField(replace(name, /\r\n|\r|\n/g, '\r\n'))}"`;
      if (typeof value === 'string') {
        push(encode(`${head}\r\n\r\n${replace(value, /\r\n|\r|\n/g, '\r\n')}\r\n`));
      } else {
        const type = value.type === '' ? 'application/octet-stream' : value.type;
        head += `; filename="${escapeField(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`;
        push(encode(head));
        push(B.blobBytes(value));
        push(encode('\r\n'));
      }
    }
    push(encode(`--${boundary}--\r\n`));
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < parts.length; i++) { u8Set(out, parts[i], at); at += parts[i].length; }
    return { bytes: out, type: `multipart/form-data; boundary=${boundary}` };
  }

  function indexOf(bytes, pat, from) {
    const n = bytes.length, m = pat.length, first = pat[0];
    outer: for (let i = from; i <= n - m; i++) {
      if (bytes[i] !== first) continue;
      for (let j = 1; j < m; j++) if (bytes[i + j] !== pat[j]) continue outer;
      return i;
    }
    return -1;
  }
  const decodeUTF8 = (u) => new (load('TextDecoder'))().decode(u);
  const badForm = (why) => new TypeError(`Failed to parse the body as FormData: ${why}`);

  // The value of parameter `key` of a header value (quoted or not), or null.
  function param(value, key) {
    const re = new P.RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
    const m = apply(P.RegExp.prototype.exec, re, [value]);
    if (m === null) return null;
    return m[1] !== undefined ? replace(m[1], /\\(.)/g, '$1') : m[2];
  }

  // Parses a body as FormData for Body.formData(): multipart/form-data or
  // application/x-www-form-urlencoded, by the Content-Type; otherwise a TypeError.
  function parse(bytes, type) {
    const mime = apply(String.prototype.toLowerCase, apply(String.prototype.trim, type.split(';')[0], []), []);
    const fd = new FormData();
    if (mime === 'application/x-www-form-urlencoded') {
      const params = new P.URLSearchParams(decodeUTF8(bytes));
      for (const [k, v] of params) fd.append(k, v);
      return fd;
    }
    if (mime !== 'multipart/form-data') throw badForm(`unsupported Content-Type '${type}'`);
    const boundary = param(type, 'boundary');
    if (boundary === null || boundary === '' || boundary.length > 200) throw badForm('no boundary');
    const delim = encode(`--${boundary}`);
    const crlfDelim = encode(`\r\n--${boundary}`);
    const headEnd = encode('\r\n\r\n');
    let at = indexOf(bytes, delim, 0);
    if (at < 0) throw badForm('no boundary delimiter');
    at += delim.length;
    for (;;) {
      if (bytes[at] === 45 && bytes[at + 1] === 45) return fd; // "--": the closing delimiter
      if (bytes[at] !== 13 || bytes[at + 1] !== 10) throw badForm('a delimiter is not followed by CRLF');
      at += 2;
      const he = indexOf(bytes, headEnd, at);
      if (he < 0) throw badForm('a part has no end of headers');
      const headers = decodeUTF8(u8Sub(bytes, at, he)).split('\r\n');
      let name = null, filename = null, ctype = '';
      for (let i = 0; i < headers.length; i++) {
        const h = headers[i];
        const colon = h.indexOf(':');
        if (colon < 0) continue;
        const key = apply(String.prototype.toLowerCase, apply(String.prototype.trim, h.slice(0, colon), []), []);
        const value = apply(String.prototype.trim, h.slice(colon + 1), []);
        if (key === 'content-disposition') {
          name = param(value, 'name');
          filename = param(value, 'filename');
        } else if (key === 'content-type') {
          ctype = value;
        }
      }
      if (name === null) throw badForm('a part has no name');
      const start = he + 4;
      const end = indexOf(bytes, crlfDelim, start);
      if (end < 0) throw badForm('a part is not terminated');
      const body = u8Sub(bytes, start, end);
      if (list(fd).length >= MAX_ENTRIES) throw new RangeError('FormData: too many entries');
      if (filename !== null) {
        list(fd)[list(fd).length] = [name, new File([body], filename, { type: ctype })];
      } else {
        list(fd)[list(fd).length] = [name, decodeUTF8(body)];
      }
      at = end + crlfDelim.length;
    }
  }
  const list = (fd) => listOf(fd);

  return { __proto__: null, FormData, '%formdata': Object.freeze({ __proto__: null, listOf,
    isFormData: (f) => { try { listOf(f); return true; } catch { return false; } }, serialize, parse }) };
})
