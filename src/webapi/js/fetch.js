// Headers, Request and Response (WHATWG Fetch), as Cloudflare Workers has them: no forbidden
// header names; bodies from strings, buffers, Blob, FormData, URLSearchParams and
// ReadableStream, kept as bytes until their `body` stream is used.
(function (H, P, load) {
  'use strict';
  const { Object, Array, String, Symbol, Reflect, JSON, TypeError, RangeError, Uint8Array,
    ArrayBuffer, DataView, Promise, Map, Number, Math } = P;
  // UTF-8 through the native directly, as TextEncoder does: a Response made from a string
  // does not load the encoding factory (TextDecoder is loaded by text() and json()). A
  // string longer than MAX_BODY code units has more than MAX_BODY bytes of UTF-8.
  const encoder = { encode(s) { if (s.length > MAX_BODY) throw bodyTooBig(); return new Uint8Array(H.utf8Encode(s)); } };
  const uncurry = (f) => (self, ...args) => Reflect.apply(f, self, args);
  const getter = (proto, key) => uncurry(Reflect.getOwnPropertyDescriptor(proto, key).get);
  const TypedArray = Reflect.getPrototypeOf(Uint8Array);
  const taTag = getter(TypedArray.prototype, Symbol.toStringTag);
  const taBuffer = getter(TypedArray.prototype, 'buffer');
  const taOffset = getter(TypedArray.prototype, 'byteOffset');
  const taByteLength = getter(TypedArray.prototype, 'byteLength');
  const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const abSlice = uncurry(ArrayBuffer.prototype.slice);
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dvOffset = getter(DataView.prototype, 'byteOffset');
  const dvLength = getter(DataView.prototype, 'byteLength');
  const u8Set = uncurry(Uint8Array.prototype.set);
  const u8Slice = uncurry(Uint8Array.prototype.slice);
  // P.URL and P.URLSearchParams load the url factory: read them only when needed.
  const MAX_BODY = 128 * 1024 * 1024;
  const MAX_HEADERS = 10000;
  const is = (check, v) => { try { check(v); return true; } catch { return false; } };
  const defineTag = (C, tag) => Object.defineProperty(C.prototype, Symbol.toStringTag,
                                                       { value: tag, configurable: true });

  // ---- Headers ----------------------------------------------------------------------------

  const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const trimRe = /^[\t\n\r ]+|[\t\n\r ]+$/g;
  const badValueRe = /[\0\n\r]/;
  const normalizeName = (name) => {
    const n = `${name}`;
    if (!tokenRe.test(n)) throw new TypeError(`Invalid header name: '${n}'`);
    return n.toLowerCase();
  };
  const normalizeValue = (value) => {
    const v = `${value}`.replace(trimRe, '');
    if (badValueRe.test(v)) throw new TypeError(`Invalid header value: '${v}'`);
    return v;
  };

  let headersList; // (headers) -> its list: [[lowercased name, value], ...]
  let headersGuard; // (headers, guard) -> sets the guard

  class Headers {
    #list = [];
    #guard = 'none';
    static {
      headersList = (h) => h.#list;
      headersGuard = (h, g) => { if (g !== undefined) h.#guard = g; return h.#guard; };
    }
    constructor(init = undefined) {
      if (init === undefined || init === null) {
        if (init === null) throw new TypeError("Headers: parameter 1 can't be null");
        return;
      }
      if (typeof init !== 'object' && typeof init !== 'function') {
        throw new TypeError("Headers: parameter 1 is not of type '(sequence or record)'");
      }
      if (#list in init) {
        for (const [k, v] of init.#list) this.#list.push([k, v]);
        return;
      }
      if (init[Symbol.iterator] !== undefined) {
        for (const pair of init) {
          if (pair === null || typeof pair !== 'object') throw new TypeError('Headers: each header must be a [name, value] pair');
          const item = Array.from(pair);
          if (item.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
          this.append(item[0], item[1]);
        }
        return;
      }
      for (const key of Reflect.ownKeys(init)) {
        const d = Reflect.getOwnPropertyDescriptor(init, key);
        if (d === undefined || !d.enumerable) continue;
        if (typeof key === 'symbol') throw new TypeError('Headers: symbol keys are not allowed');
        this.append(key, init[key]);
      }
    }
    #check() {
      if (this.#guard === 'immutable') throw new TypeError("Can't modify immutable headers");
    }
    append(name, value) {
      const n = normalizeName(name);
      const v = normalizeValue(value);
      this.#check();
      if (this.#list.length >= MAX_HEADERS) throw new RangeError('Too many headers');
      this.#list.push([n, v]);
    }
    delete(name) {
      const n = normalizeName(name);
      this.#check();
      this.#list = this.#list.filter((e) => e[0] !== n);
    }
    get(name) {
      const n = normalizeName(name);
      let out = null;
      for (const [k, v] of this.#list) if (k === n) out = out === null ? v : `${out}, ${v}`;
      return out;
    }
    getSetCookie() {
      const out = [];
      for (const [k, v] of this.#list) if (k === 'set-cookie') out.push(v);
      return out;
    }
    getAll(name) {
      // Cloudflare Workers' extension, only for Set-Cookie.
      const n = normalizeName(name);
      if (n !== 'set-cookie') throw new TypeError('getAll() can only be used with the header name "Set-Cookie".');
      return this.getSetCookie();
    }
    has(name) {
      const n = normalizeName(name);
      return this.#list.some((e) => e[0] === n);
    }
    set(name, value) {
      const n = normalizeName(name);
      const v = normalizeValue(value);
      this.#check();
      const i = this.#list.findIndex((e) => e[0] === n);
      if (i < 0) {
        if (this.#list.length >= MAX_HEADERS) throw new RangeError('Too many headers');
        this.#list.push([n, v]);
        return;
      }
      this.#list[i][1] = v;
      this.#list = this.#list.filter((e, j) => j <= i || e[0] !== n);
    }
    // "sort and combine": sorted by name, values joined with ", " except Set-Cookie.
    #sorted() {
      const names = [...new P.Set(this.#list.map((e) => e[0]))].sort();
      const out = [];
      for (const n of names) {
        if (n === 'set-cookie') {
          for (const [k, v] of this.#list) if (k === n) out.push([n, v]);
        } else {
          out.push([n, this.get(n)]);
        }
      }
      return out;
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') throw new TypeError("Headers.forEach: parameter 1 is not of type 'Function'");
      for (const [k, v] of this.#sorted()) Reflect.apply(callback, thisArg, [v, k, this]);
    }
    *entries() { for (const e of this.#sorted()) yield [e[0], e[1]]; }
    *keys() { for (const e of this.#sorted()) yield e[0]; }
    *values() { for (const e of this.#sorted()) yield e[1]; }
    [Symbol.iterator]() { return this.entries(); }
  }
  defineTag(Headers, 'Headers');

  const copyHeaders = (init, guard) => {
    const h = new Headers(init);
    headersGuard(h, guard);
    return h;
  };

  // ---- Bodies -------------------------------------------------------------------------

  // A body is { bytes: Uint8Array | null, stream: ReadableStream | null, used: bool }: backed
  // by bytes until its `body` stream is first read (then by that stream, bytes = null).
  // `used`: consumed while bytes-backed, or moved into another Request. Streams, Blob and
  // FormData are loaded only when a body is one of them (checked by tag first, so a worker
  // that never makes one never parses them).
  const tagOf = (v) => {
    try { return v[Symbol.toStringTag]; } catch { return undefined; }
  };
  const bodyTooBig = () => new RangeError(`Body exceeds the limit of ${MAX_BODY} bytes`);

  // Extracts a body: { body, type: default Content-Type or null }, or null.
  function extractBody(body) {
    if (body === undefined || body === null) return null;
    let bytes = null, type = null, stream = null;
    const tag = typeof body === 'object' ? tagOf(body) : undefined;
    if (typeof body === 'string') {
      bytes = encoder.encode(body);
      type = 'text/plain;charset=UTF-8';
    } else if (is(abByteLength, body)) {
      bytes = new Uint8Array(abSlice(body, 0));
    } else if (taTag(body) !== undefined) {
      bytes = new Uint8Array(abSlice(taBuffer(body), taOffset(body), taOffset(body) + taByteLength(body)));
    } else if (is(dvLength, body)) {
      bytes = new Uint8Array(abSlice(dvBuffer(body), dvOffset(body), dvOffset(body) + dvLength(body)));
    } else if ((tag === 'Blob' || tag === 'File') && load('%blob').isBlob(body)) {
      const b = load('%blob').blobBytes(body);
      bytes = new Uint8Array(b); // a copy: the blob's bytes may be a view of a larger one
      const t = body.type;
      if (t !== '') type = t;
    } else if (tag === 'FormData' && load('%formdata').isFormData(body)) {
      const m = load('%formdata').serialize(body, MAX_BODY);
      bytes = m.bytes;
      type = m.type;
    } else if (tag === 'ReadableStream' && load('%streams').has(body, 'RS')) {
      const S = load('%streams');
      const rs = S.slot(body, 'RS');
      if (rs.disturbed || rs.reader !== undefined) throw new TypeError('The ReadableStream body is disturbed or locked');
      stream = body;
    } else if (body instanceof P.URLSearchParams) {
      bytes = encoder.encode(`${body}`);
      type = 'application/x-www-form-urlencoded;charset=UTF-8';
    } else {
      // The union's USVString arm: any other object is converted to a string.
      bytes = encoder.encode(`${body}`);
      type = 'text/plain;charset=UTF-8';
    }
    if (bytes !== null && bytes.length > MAX_BODY) throw bodyTooBig();
    return { body: { bytes, stream, used: false }, type };
  }

  const CHUNK = 65536;
  // The body's stream, made from its bytes on first use.
  function bodyStream(b) {
    if (b.stream === null) {
      const bytes = b.bytes;
      b.bytes = null;
      let at = 0;
      const RS = load('ReadableStream');
      b.stream = new RS({
        type: 'bytes',
        pull(c) {
          if (at < bytes.length) {
            const n = Math.min(CHUNK, bytes.length - at);
            c.enqueue(u8Slice(bytes, at, at + n));
            at += n;
          }
          if (at >= bytes.length) c.close();
        },
      });
      if (b.used) {
        // Consumed already: the stream is disturbed and closed.
        const S = load('%streams');
        S.readableCancel(S.slot(b.stream, 'RS'), undefined);
        b.used = false;
      }
    }
    return b.stream;
  }
  function streamState(b) {
    const S = load('%streams');
    return S.slot(b.stream, 'RS');
  }
  const disturbed = (b) => b.used || (b.stream !== null && streamState(b).disturbed);
  const unusable = (b) => disturbed(b) || (b.stream !== null && streamState(b).reader !== undefined);

  // Reads a whole stream into one Uint8Array (chunks must be Uint8Arrays; at most MAX_BODY).
  function readAll(stream) {
    const S = load('%streams');
    const reader = S.acquireDefaultReader(S.slot(stream, 'RS'));
    const chunks = [];
    let total = 0;
    return new Promise((resolve, reject) => {
      const fail = (e) => {
        S.readableCancel(reader.stream, e);
        S.readerRelease(reader);
        reject(e);
      };
      const step = () => {
        S.defaultReaderRead(reader, {
          chunk(c) {
            if (taTag(c) !== 'Uint8Array') { fail(new TypeError('A body stream chunk is not a Uint8Array')); return; }
            total += taByteLength(c);
            if (total > MAX_BODY) { fail(bodyTooBig()); return; }
            chunks[chunks.length] = c;
            step();
          },
          close() {
            S.readerRelease(reader);
            const out = new Uint8Array(total);
            let at = 0;
            for (let i = 0; i < chunks.length; i++) { u8Set(out, chunks[i], at); at += taByteLength(chunks[i]); }
            resolve(out);
          },
          error(e) { S.readerRelease(reader); reject(e); },
        });
      };
      step();
    });
  }

  // The bytes of a Request/Response state's body (a promise); marks it used.
  function consume(state, what) {
    const b = state.body;
    if (b === null) return Promise.resolve(new Uint8Array(0));
    try {
      if (unusable(b)) throw new TypeError(`${what}: Body has already been used`);
    } catch (e) {
      return Promise.reject(e);
    }
    if (b.stream === null) {
      b.used = true;
      return Promise.resolve(b.bytes);
    }
    return readAll(b.stream);
  }
  // A copy of the body for clone(): bytes are shared (never written), a stream is teed.
  function cloneBody(b, what) {
    if (b === null) return null;
    if (unusable(b)) throw new TypeError(`${what}: Body has already been used`);
    if (b.stream === null) return { bytes: b.bytes, stream: null, used: false };
    const S = load('%streams');
    const [x, y] = S.tee(streamState(b));
    b.stream = x.obj;
    return { bytes: null, stream: y.obj, used: false };
  }
  const decodeText = (bytes) => new (load('TextDecoder'))().decode(bytes);
  // The type of blob(): the Content-Type with its essence and parameter names lowercased
  // (values keep their case, as MIME type serialisation does), '' unless printable ASCII.
  function blobType(t) {
    if (!/^[\x20-\x7e]*$/.test(t)) return '';
    const parts = t.split(';');
    let out = parts[0].trim().toLowerCase();
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i].trim();
      const eq = p.indexOf('=');
      if (eq <= 0) continue;
      out += `;${p.slice(0, eq).trim().toLowerCase()}=${p.slice(eq + 1).trim()}`;
    }
    return out;
  }
  const contentType = (state) => {
    const t = state.headers.get('content-type');
    return t === null ? '' : t;
  };

  function bodyMethods(C, stateOf, name) {
    const methods = {
      text() { return consume(stateOf(this), `${name}.text`).then(decodeText); },
      json() { return consume(stateOf(this), `${name}.json`).then((b) => JSON.parse(decodeText(b))); },
      arrayBuffer() {
        return consume(stateOf(this), `${name}.arrayBuffer`)
          .then((b) => abSlice(taBuffer(b), taOffset(b), taOffset(b) + taByteLength(b)));
      },
      bytes() { return consume(stateOf(this), `${name}.bytes`).then((b) => new Uint8Array(b)); },
      blob() {
        let s;
        try { s = stateOf(this); } catch (e) { return Promise.reject(e); }
        return consume(s, `${name}.blob`).then((b) => load('%blob').makeBlob(new Uint8Array(b), blobType(contentType(s))));
      },
      formData() {
        let s;
        try { s = stateOf(this); } catch (e) { return Promise.reject(e); }
        return consume(s, `${name}.formData`).then((b) => load('%formdata').parse(b, contentType(s)));
      },
    };
    for (const k of Object.keys(methods)) {
      Object.defineProperty(C.prototype, k, { value: methods[k], writable: true, configurable: true });
    }
    Object.defineProperty(C.prototype, 'body', {
      get() { const b = stateOf(this).body; return b === null ? null : bodyStream(b); },
      configurable: true,
    });
    Object.defineProperty(C.prototype, 'bodyUsed', {
      get() { const b = stateOf(this).body; return b !== null && disturbed(b); },
      configurable: true,
    });
  }

  function parseURL(input, base) {
    const s = `${input}`;
    const URLCtor = P.URL;
    try {
      return base === undefined ? new URLCtor(s).href : new URLCtor(s, base).href;
    } catch {
      throw new TypeError(`Invalid URL: ${s}`);
    }
  }

  // ---- Request -------------------------------------------------------------------------

  const methodRe = /^(delete|get|head|options|post|put)$/i;
  const forbiddenMethodRe = /^(connect|trace|track)$/i;
  const redirects = ['follow', 'error', 'manual'];

  let requestState;
  // A request state's signal, made on first use (a Request that nobody asks for its signal
  // never loads the events factory).
  function signalOf(s) {
    if (s.signal === null) {
      s.signal = s.follows === null ? new (load('AbortController'))().signal
        : load('AbortSignal').any([s.follows]);
      s.follows = null;
    }
    return s.signal;
  }

  class Request {
    #s;
    static {
      requestState = (r) => {
        if (r === null || typeof r !== 'object' || !(#s in r)) throw new TypeError('Illegal invocation');
        return r.#s;
      };
    }
    constructor(input, init = undefined) {
      if (arguments.length === 0) throw new TypeError('Request requires 1 argument');
      if (init !== undefined && init !== null && typeof init !== 'object') {
        throw new TypeError('Request: init must be an object');
      }
      init = init || {};
      const from = input !== null && typeof input === 'object' && #s in input ? input.#s : null;
      const s = { url: '', method: 'GET', headers: null, body: null, redirect: 'follow',
        signal: null, follows: null };
      if (from !== null) {
        s.url = from.url;
        s.method = from.method;
        s.redirect = from.redirect;
      } else {
        s.url = parseURL(input);
      }
      if (init.method !== undefined) {
        const m = `${init.method}`;
        if (!tokenRe.test(m)) throw new TypeError(`Invalid method: '${m}'`);
        if (forbiddenMethodRe.test(m)) throw new TypeError(`Forbidden method: '${m}'`);
        s.method = methodRe.test(m) ? m.toUpperCase() : m;
      }
      if (init.redirect !== undefined) {
        const r = `${init.redirect}`;
        if (!redirects.includes(r)) throw new TypeError(`Invalid redirect value: '${r}'`);
        s.redirect = r;
      }
      const headersInit = init.headers !== undefined ? init.headers : from !== null ? from.headers : undefined;
      s.headers = copyHeaders(headersInit, 'request');
      if (init.signal !== undefined && init.signal !== null && !load('%events').isSignal(init.signal)) {
        throw new TypeError("Request: 'signal' is not an AbortSignal");
      }
      // The signal follows init's (or the input request's): made when first read.
      s.follows = init.signal !== undefined && init.signal !== null ? init.signal
        : from !== null && (from.signal !== null || from.follows !== null) ? signalOf(from) : null;
      let body = null;
      if (init.body !== undefined && init.body !== null) {
        body = extractBody(init.body);
      } else if (from !== null && from.body !== null) {
        if (unusable(from.body)) throw new TypeError('Request: the input request body has already been used');
        body = { body: from.body, type: null };
      }
      if (body !== null && (s.method === 'GET' || s.method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      if (body !== null) {
        s.body = body.body;
        if (body.type !== null && !s.headers.has('content-type')) {
          headersList(s.headers).push(['content-type', body.type]);
        }
        // The input's body moves into the new request, as the spec says: the input is left
        // with a used, empty body.
        if (from !== null && (init.body === undefined || init.body === null)) {
          from.body = { bytes: new Uint8Array(0), stream: null, used: true };
        }
      }
      this.#s = s;
    }
    get method() { return requestState(this).method; }
    get url() { return requestState(this).url; }
    get headers() { return requestState(this).headers; }
    get redirect() { return requestState(this).redirect; }
    // A signal that follows the one given in init (or the input Request's, or this one's for a
    // clone); otherwise one that never aborts.
    get signal() { return signalOf(requestState(this)); }
    clone() {
      const s = requestState(this);
      const body = cloneBody(s.body, 'Request.clone');
      const r = new Request(s.url, { method: s.method, headers: s.headers, redirect: s.redirect });
      headersGuard(requestState(r).headers, headersGuard(s.headers));
      const t = requestState(r);
      t.body = body;
      t.follows = s.signal !== null || s.follows !== null ? signalOf(s) : null;
      return r;
    }
  }
  defineTag(Request, 'Request');
  bodyMethods(Request, requestState, 'Request');

  // ---- Response ------------------------------------------------------------------------

  const nullBodyStatus = [101, 103, 204, 205, 304];
  const redirectStatus = [301, 302, 303, 307, 308];
  const reasonRe = /^[\t\x20-\x7e\x80-\xff]*$/;

  let responseState;

  class Response {
    #s;
    static {
      responseState = (r) => {
        if (r === null || typeof r !== 'object' || !(#s in r)) throw new TypeError('Illegal invocation');
        return r.#s;
      };
    }
    constructor(body = null, init = undefined) {
      if (init !== undefined && init !== null && typeof init !== 'object') {
        throw new TypeError('Response: init must be an object');
      }
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status) | 0;
      if (status < 200 || status > 599) {
        throw new RangeError(`Response: status ${init.status} is outside the range [200, 599]`);
      }
      const statusText = init.statusText === undefined ? '' : `${init.statusText}`;
      if (!reasonRe.test(statusText)) throw new TypeError('Response: invalid statusText');
      const s = { status, statusText, headers: copyHeaders(init.headers, 'response'), body: null,
        type: 'default', url: '' };
      const b = extractBody(body);
      if (b !== null) {
        if (nullBodyStatus.includes(status)) {
          throw new TypeError(`Response with null body status ${status} cannot have a body`);
        }
        s.body = b.body;
        if (b.type !== null && !s.headers.has('content-type')) {
          headersList(s.headers).push(['content-type', b.type]);
        }
      }
      this.#s = s;
    }
    static error() {
      const r = new Response(null);
      const s = responseState(r);
      s.type = 'error';
      s.status = 0;
      headersGuard(s.headers, 'immutable');
      return r;
    }
    static redirect(url, status = 302) {
      const u = parseURL(url);
      const st = Number(status) | 0;
      if (!redirectStatus.includes(st)) throw new RangeError(`Response.redirect: invalid status ${status}`);
      const r = new Response(null, { status: st });
      const s = responseState(r);
      headersList(s.headers).push(['location', u]);
      headersGuard(s.headers, 'immutable');
      return r;
    }
    static json(data, init = undefined) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError('Response.json: the data is not JSON-serialisable');
      const r = new Response(null, init);
      const s = responseState(r);
      if (nullBodyStatus.includes(s.status)) {
        throw new TypeError(`Response with null body status ${s.status} cannot have a body`);
      }
      const bytes = encoder.encode(text);
      if (bytes.length > MAX_BODY) throw bodyTooBig();
      s.body = { bytes, stream: null, used: false };
      if (!s.headers.has('content-type')) headersList(s.headers).push(['content-type', 'application/json']);
      return r;
    }
    get type() { return responseState(this).type; }
    get url() { return responseState(this).url; }
    get redirected() { responseState(this); return false; }
    get status() { return responseState(this).status; }
    get ok() { const s = responseState(this).status; return s >= 200 && s <= 299; }
    get statusText() { return responseState(this).statusText; }
    get headers() { return responseState(this).headers; }
    clone() {
      const s = responseState(this);
      const body = cloneBody(s.body, 'Response.clone');
      const r = new Response(null);
      const t = responseState(r);
      t.status = s.status;
      t.statusText = s.statusText;
      t.type = s.type;
      t.url = s.url;
      t.headers = copyHeaders(s.headers, headersGuard(s.headers));
      t.body = body;
      return r;
    }
  }
  defineTag(Response, 'Response');
  bodyMethods(Response, responseState, 'Response');

  return { __proto__: null, Headers, Request, Response };
})
