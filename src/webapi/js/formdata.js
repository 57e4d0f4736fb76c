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

  return { __proto__: null, FormData, '%formdata': Object.freeze({ __proto__: null, listOf }) };
})
