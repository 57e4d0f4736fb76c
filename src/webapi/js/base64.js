// atob / btoa: forgiving-base64 decode and base64 encode as the HTML spec defines them.
(function (H, P, load) {
  'use strict';
  const { String, TypeError } = P;
  const DOMException = load('DOMException');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const values = new P.Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) values[alphabet.charCodeAt(i)] = i;
  const invalid = (what) => new DOMException(what, 'InvalidCharacterError');
  const CHUNK = 8192;

  function atob(data) {
    if (arguments.length === 0) throw new TypeError('atob requires 1 argument');
    let s = `${data}`.replace(/[\t\n\f\r ]+/g, '');
    if (s.length % 4 === 0) {
      if (s.endsWith('==')) s = s.slice(0, -2);
      else if (s.endsWith('=')) s = s.slice(0, -1);
    }
    if (s.length % 4 === 1) throw invalid('The string to be decoded is not correctly encoded.');
    let out = '';
    let units = [];
    let buffer = 0, bits = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const v = c < 128 ? values[c] : -1;
      if (v < 0) throw invalid('The string to be decoded is not correctly encoded.');
      buffer = (buffer << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        units.push((buffer >> bits) & 0xff);
        if (units.length >= CHUNK) {
          out += String.fromCharCode(...units);
          units = [];
        }
      }
    }
    return out + String.fromCharCode(...units);
  }

  function btoa(data) {
    if (arguments.length === 0) throw new TypeError('btoa requires 1 argument');
    const s = `${data}`;
    let out = '';
    let i = 0;
    const code = (k) => {
      const c = s.charCodeAt(k);
      if (c > 0xff) throw invalid('The string to be encoded contains characters outside of the Latin1 range.');
      return c;
    };
    for (; i + 2 < s.length; i += 3) {
      const n = (code(i) << 16) | (code(i + 1) << 8) | code(i + 2);
      out += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
    }
    if (s.length - i === 1) {
      const n = code(i) << 16;
      out += `${alphabet[n >> 18]}${alphabet[(n >> 12) & 63]}==`;
    } else if (s.length - i === 2) {
      const n = (code(i) << 16) | (code(i + 1) << 8);
      out += `${alphabet[n >> 18]}${alphabet[(n >> 12) & 63]}${alphabet[(n >> 6) & 63]}=`;
    }
    return out;
  }

  return { __proto__: null, atob, btoa };
})
