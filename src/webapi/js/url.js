// URL and URLSearchParams (WHATWG URL Standard): the basic URL parser state machine, host
// parsing (IPv4, IPv6, opaque hosts, domain to ASCII with punycode written here and an
// approximation of the UTS #46 mapping: NFKC + lowercasing, no mapping table), the
// percent-encode sets, every URL attribute and the application/x-www-form-urlencoded list.
(function (H, P, load) {
  'use strict';
  const { Object, String, Symbol, Array, TypeError, Math, Reflect } = P;
  const fromCodePoint = String.fromCodePoint;
  const MAX_INPUT = 1 << 25; // code units: a URL is a string, but parsing copies it a few times

  // ---- Strings and bytes ------------------------------------------------------------------

  // WebIDL USVString: lone surrogates become U+FFFD.
  function usv(v) {
    const s = `${v}`;
    let out = null;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      }
      if (out === null) out = s.split('');
      out[i] = '\ufffd';
    }
    return out === null ? s : out.join('');
  }

  function codePoints(s) {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      out[out.length] = c;
    }
    return out;
  }

  function utf8(c, out) {
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out[out.length] = c;
    else if (c < 0x800) { out[out.length] = 0xc0 | (c >> 6); out[out.length] = 0x80 | (c & 0x3f); } else if (c < 0x10000) {
      out[out.length] = 0xe0 | (c >> 12); out[out.length] = 0x80 | ((c >> 6) & 0x3f);
      out[out.length] = 0x80 | (c & 0x3f);
    } else {
      out[out.length] = 0xf0 | (c >> 18); out[out.length] = 0x80 | ((c >> 12) & 0x3f);
      out[out.length] = 0x80 | ((c >> 6) & 0x3f); out[out.length] = 0x80 | (c & 0x3f);
    }
    return out;
  }

  // WHATWG UTF-8 decode without BOM (replacement for each maximal invalid subpart).
  function utf8Decode(bytes) {
    let out = '', cp = 0, need = 0, seen = 0, lo = 0x80, hi = 0xbf;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (need === 0) {
        if (b < 0x80) out += fromCodePoint(b);
        else if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lo = 0xa0;
          if (b === 0xed) hi = 0x9f;
          need = 2; cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lo = 0x90;
          if (b === 0xf4) hi = 0x8f;
          need = 3; cp = b & 0x7;
        } else out += '\ufffd';
        continue;
      }
      if (b < lo || b > hi) {
        cp = need = seen = 0; lo = 0x80; hi = 0xbf;
        out += '\ufffd';
        i--;
        continue;
      }
      lo = 0x80; hi = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === need) { out += fromCodePoint(cp); cp = need = seen = 0; }
    }
    if (need) out += '\ufffd';
    return out;
  }

  const hexVal = (c) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37
    : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

  // Percent-decode of a string: its UTF-8 bytes with %XX sequences decoded.
  function percentDecode(s) {
    const bytes = [];
    const cps = codePoints(s);
    for (let i = 0; i < cps.length; i++) utf8(cps[i], bytes);
    const out = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x25 && i + 2 < bytes.length && hexVal(bytes[i + 1]) >= 0 && hexVal(bytes[i + 2]) >= 0) {
        out[out.length] = hexVal(bytes[i + 1]) * 16 + hexVal(bytes[i + 2]);
        i += 2;
      } else out[out.length] = b;
    }
    return out;
  }

  // ---- Percent-encode sets ---------------------------------------------------------------

  const C0 = 0, FRAGMENT = 1, QUERY = 2, SPECIAL_QUERY = 3, PATH = 4, USERINFO = 5,
    COMPONENT = 6, FORM = 7;
  // Printable ASCII each set adds to the one before it (C0 control: < 0x20 and > 0x7e).
  const adds = ['', ' "<>`', ' "#<>', ' "#<>\'', ' "#<>?`{}', ' "#<>?`{}/:;=@[\\]^|',
    ' "#<>?`{}/:;=@[\\]^|$%&+,', ' "#<>?`{}/:;=@[\\]^|$%&+,!\'()~'];
  // The tables are made at the first percent-encoding: a realm whose URLs all take the fast
  // path below (parseSimple) never needs them.
  let sets = null;
  const makeSets = () => adds.map((chars) => {
    const t = new Array(128).fill(false);
    for (let i = 0; i < 128; i++) t[i] = i < 0x20 || i > 0x7e;
    for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = true;
    return t;
  });
  const HEX = '0123456789ABCDEF';

  function encodeCp(c, set, spaceAsPlus) {
    if (sets === null) sets = makeSets();
    if (c < 0x80 && !sets[set][c]) return fromCodePoint(c);
    if (spaceAsPlus && c === 0x20) return '+';
    const b = utf8(c, []);
    let s = '';
    for (let i = 0; i < b.length; i++) s += `%${HEX[b[i] >> 4]}${HEX[b[i] & 15]}`;
    return s;
  }

  function encodeStr(s, set, spaceAsPlus) {
    const cps = codePoints(s);
    let out = '';
    for (let i = 0; i < cps.length; i++) out += encodeCp(cps[i], set, spaceAsPlus);
    return out;
  }

  // ---- Punycode (RFC 3492) ---------------------------------------------------------------

  const BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, MAXINT = 0x7fffffff;
  function adapt(delta, num, first) {
    delta = first ? Math.floor(delta / DAMP) : Math.floor(delta / 2);
    delta += Math.floor(delta / num);
    let k = 0;
    while (delta > ((BASE - TMIN) * TMAX) >> 1) { delta = Math.floor(delta / (BASE - TMIN)); k += BASE; }
    return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
  }
  const threshold = (k, bias) => (k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias);
  const digitChar = (d) => fromCodePoint(d < 26 ? 0x61 + d : 0x16 + d);

  // Code points -> the punycode string (without "xn--"), or null on overflow.
  function punyEncode(cps) {
    let n = 0x80, delta = 0, bias = 72, out = '';
    for (let i = 0; i < cps.length; i++) if (cps[i] < 0x80) out += fromCodePoint(cps[i]);
    const b = out.length;
    let h = b;
    if (b > 0) out += '-';
    while (h < cps.length) {
      let m = MAXINT;
      for (let i = 0; i < cps.length; i++) if (cps[i] >= n && cps[i] < m) m = cps[i];
      if (m - n > Math.floor((MAXINT - delta) / (h + 1))) return null;
      delta += (m - n) * (h + 1);
      n = m;
      for (let i = 0; i < cps.length; i++) {
        const c = cps[i];
        if (c < n && ++delta > MAXINT) return null;
        if (c !== n) continue;
        let q = delta;
        for (let k = BASE; ; k += BASE) {
          const t = threshold(k, bias);
          if (q < t) break;
          out += digitChar(t + ((q - t) % (BASE - t)));
          q = Math.floor((q - t) / (BASE - t));
        }
        out += digitChar(q);
        bias = adapt(delta, h + 1, h === b);
        delta = 0;
        h++;
      }
      delta++;
      n++;
    }
    return out;
  }

  // The punycode string (without "xn--") -> code points, or null when invalid.
  function punyDecode(s) {
    const out = [];
    let b = s.lastIndexOf('-');
    if (b < 0) b = 0;
    for (let j = 0; j < b; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x80) return null;
      out[out.length] = c;
    }
    let i = 0, n = 0x80, bias = 72;
    for (let p = b > 0 ? b + 1 : 0; p < s.length;) {
      const oldi = i;
      let w = 1;
      for (let k = BASE; ; k += BASE) {
        if (p >= s.length) return null;
        const c = s.charCodeAt(p++);
        const d = c >= 0x30 && c <= 0x39 ? c - 0x16 : c >= 0x41 && c <= 0x5a ? c - 0x41
          : c >= 0x61 && c <= 0x7a ? c - 0x61 : -1;
        if (d < 0 || d > Math.floor((MAXINT - i) / w)) return null;
        i += d * w;
        const t = threshold(k, bias);
        if (d < t) break;
        if (w > Math.floor(MAXINT / (BASE - t))) return null;
        w *= BASE - t;
      }
      const len = out.length + 1;
      bias = adapt(i - oldi, len, oldi === 0);
      if (Math.floor(i / len) > MAXINT - n) return null;
      n += Math.floor(i / len);
      i %= len;
      if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return null;
      out.splice(i, 0, n);
      i++;
    }
    return out;
  }

  // ---- Hosts -----------------------------------------------------------------------------

  const forbiddenHost = (c) => c === 0 || c === 9 || c === 0xa || c === 0xd || c === 0x20 ||
    c === 0x23 || c === 0x2f || c === 0x3a || c === 0x3c || c === 0x3e || c === 0x3f ||
    c === 0x40 || c === 0x5b || c === 0x5c || c === 0x5d || c === 0x5e || c === 0x7c;
  const forbiddenDomain = (c) => forbiddenHost(c) || c <= 0x1f || c === 0x25 || c === 0x7f;

  // Code points UTS #46 ignores (maps to nothing) that NFKC keeps.
  const ignored = (c) => c === 0xad || c === 0x34f || (c >= 0x180b && c <= 0x180f) ||
    c === 0x200b || c === 0x2060 || c === 0x2064 || c === 0xfeff || (c >= 0xfe00 && c <= 0xfe0f) ||
    (c >= 0xe0100 && c <= 0xe01ef);
  // A few disallowed code points (no full table): controls, surrogates, noncharacters,
  // U+FFFD, private use, and the bidi/format controls.
  const disallowed = (c) => (c >= 0x80 && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff) ||
    (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) === 0xfffe || c === 0xfffd ||
    (c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000 || (c >= 0x200e && c <= 0x200f) ||
    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x2028 || c === 0x2029;
  const startsWithMark = /^\p{M}/u;

  // CheckJoiners (RFC 5892 appendix A) with a list of viramas (canonical combining class 9)
  // and the joining types approximated by script: letters of the joining scripts are dual-
  // joining except a list of right-joining Arabic letters; marks are transparent.
  const viramas = new P.Set([0x94d, 0x9cd, 0xa4d, 0xacd, 0xb4d, 0xbcd, 0xc4d, 0xccd, 0xd3b,
    0xd3c, 0xd4d, 0xdca, 0xe3a, 0xf84, 0x1039, 0x103a, 0x1714, 0x1734, 0x17d2, 0x1a60, 0x1b44,
    0x1baa, 0x1bab, 0x1bf2, 0x1bf3, 0x2d7f, 0xa806, 0xa8c4, 0xa953, 0xa9c0, 0xaaf6, 0xabed,
    0x10a3f, 0x11046, 0x1107f, 0x110b9, 0x11133, 0x11134, 0x111c0, 0x11235, 0x112ea, 0x1134d,
    0x11442, 0x114c2, 0x115bf, 0x1163f, 0x116b6, 0x1172b, 0x11839, 0x119e0, 0x11a34, 0x11a47,
    0x11a99, 0x11c3f, 0x11d44, 0x11d45, 0x11d97]);
  const joining = /^[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Mandaic}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Adlam}]$/u;
  const rightJoining = /^[\u0622-\u0625\u0627\u0629\u062f-\u0632\u0648\u0671-\u0673\u0675-\u0677\u0688-\u0699\u06c0\u06c3-\u06cb\u06cd\u06cf\u06d2\u06d3\u06d5\u06ee\u06ef\u0710\u0715-\u0719\u071e\u0728\u072a\u072c\u072f\u074d]$/u;
  const letter = /^\p{L}$/u;
  const mark = /^\p{M}$/u;
  const joinType = (c) => {
    const ch = fromCodePoint(c);
    if (mark.test(ch)) return 'T';
    if (!letter.test(ch) || !joining.test(ch)) return 'U';
    return rightJoining.test(ch) ? 'R' : 'D';
  };
  function joinerOk(cps, i) {
    if (i > 0 && viramas.has(cps[i - 1])) return true;
    if (cps[i] === 0x200d) return false;
    let j = i - 1;
    while (j >= 0 && joinType(cps[j]) === 'T') j--;
    if (j < 0 || joinType(cps[j]) !== 'D') return false;
    j = i + 1;
    while (j < cps.length && joinType(cps[j]) === 'T') j++;
    if (j >= cps.length) return false;
    const t = joinType(cps[j]);
    return t === 'R' || t === 'D';
  }

  function validLabel(cps) {
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      if (disallowed(c) || ignored(c)) return false;
      if ((c === 0x200c || c === 0x200d) && !joinerOk(cps, i)) return false;
    }
    if (cps.length && startsWithMark.test(fromCodePoint(cps[0]))) return false;
    return true;
  }

  // CheckBidi (RFC 5893), with bidi classes approximated from scripts and categories.
  const rtlScript = /^[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Imperial_Aramaic}\p{Script=Phoenician}]$/u;
  function bidiClass(c) {
    if (c >= 0x30 && c <= 0x39) return 'EN';
    if (c >= 0x6f0 && c <= 0x6f9) return 'EN';
    if ((c >= 0x660 && c <= 0x669) || c === 0x66b || c === 0x66c || (c >= 0x600 && c <= 0x605)) return 'AN';
    const ch = fromCodePoint(c);
    if (/^[\p{Mn}\p{Me}]$/u.test(ch)) return 'NSM';
    if (rtlScript.test(ch)) return /^[\p{L}\p{Mc}]$/u.test(ch) || /^\p{Lo}$/u.test(ch) ? 'R' : 'ON';
    if (/^[\p{L}\p{Mc}\p{Nd}]$/u.test(ch)) return 'L';
    return 'ON';
  }
  function bidiOk(labels) {
    let rtlDomain = false;
    for (const cps of labels) for (const c of cps) { const b = bidiClass(c); if (b === 'R' || b === 'AN') rtlDomain = true; }
    if (!rtlDomain) return true;
    for (const cps of labels) {
      // All-ASCII labels are exempt (WPT expects "1.\u064A" to be valid).
      if (cps.length === 0 || cps.every((c) => c < 0x80)) continue;
      const cls = cps.map(bidiClass);
      let end = cls.length - 1;
      while (end > 0 && cls[end] === 'NSM') end--;
      if (cls[0] === 'R') {
        if (cls.some((b) => b === 'L')) return false;
        if (!(cls[end] === 'R' || cls[end] === 'EN' || cls[end] === 'AN')) return false;
        if (cls.includes('EN') && cls.includes('AN')) return false;
      } else if (cls[0] === 'L') {
        if (cls.some((b) => b === 'R' || b === 'AN')) return false;
        if (!(cls[end] === 'L' || cls[end] === 'EN')) return false;
      } else return false;
    }
    return true;
  }

  // UTS #46 ToASCII (CheckHyphens=false, Transitional=false, no DNS length check), with
  // NFKC + lowercasing standing in for the mapping table. Returns null on failure.
  function domainToASCII(domain) {
    let ascii = true;
    for (let i = 0; i < domain.length; i++) if (domain.charCodeAt(i) >= 0x80) { ascii = false; break; }
    const lower = domain.toLowerCase();
    if (ascii && !/(^|\.)xn--/.test(lower)) return lower;
    let mapped = '';
    const cps = codePoints(domain);
    for (let i = 0; i < cps.length; i++) if (!ignored(cps[i])) mapped += fromCodePoint(cps[i]);
    mapped = mapped.normalize('NFKC').toLowerCase().normalize('NFC')
      .replace(/[\u3002\uff0e\uff61]/g, '.');
    const labels = mapped.split('.');
    const unicode = [];
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      let lcps = codePoints(label);
      if (label.startsWith('xn--')) {
        for (let j = 0; j < lcps.length; j++) if (lcps[j] >= 0x80) return null;
        const decoded = punyDecode(label.slice(4));
        if (decoded === null || decoded.length === 0) return null;
        let allAscii = true;
        for (let j = 0; j < decoded.length; j++) if (decoded[j] >= 0x80) allAscii = false;
        if (allAscii) return null;
        const s = fromCodePoint(...decoded);
        if (s !== s.normalize('NFC') || s.toLowerCase() !== s.normalize('NFKC').toLowerCase()) return null;
        if (!validLabel(decoded)) return null;
        for (let j = 0; j < decoded.length; j++) if (decoded[j] < 0x80 && forbiddenDomain(decoded[j])) return null;
        unicode.push(decoded);
        continue;
      }
      if (!validLabel(lcps)) return null;
      unicode.push(lcps);
      let nonAscii = false;
      for (let j = 0; j < lcps.length; j++) if (lcps[j] >= 0x80) nonAscii = true;
      if (nonAscii) {
        const p = punyEncode(lcps);
        if (p === null) return null;
        labels[i] = `xn--${p}`;
      }
    }
    if (!bidiOk(unicode)) return null;
    const out = labels.join('.');
    return out === '' ? null : out;
  }

  // IPv4 number parser: the value, or -1 on failure.
  function ipv4Number(s) {
    if (s === '') return -1;
    let radix = 10;
    if (s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) { s = s.slice(2); radix = 16; } else if (s.length >= 2 && s[0] === '0') { s = s.slice(1); radix = 8; }
    if (s === '') return 0;
    const re = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
    if (!re.test(s)) return -1;
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      v = v * radix + hexVal(s.charCodeAt(i));
      if (v > 0x1ffffffff) v = 0x1ffffffff; // saturate: anything this large fails anyway
    }
    return v;
  }

  function endsInNumber(s) {
    const parts = s.split('.');
    if (parts[parts.length - 1] === '') {
      if (parts.length === 1) return false;
      parts.pop();
    }
    const last = parts[parts.length - 1];
    if (last !== '' && /^[0-9]+$/.test(last)) return true;
    return ipv4Number(last) >= 0;
  }

  // The serialised IPv4 address, or null on failure.
  function parseIPv4(s) {
    const parts = s.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = [];
    for (let i = 0; i < parts.length; i++) {
      const n = ipv4Number(parts[i]);
      if (n < 0) return null;
      nums[i] = n;
    }
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return null;
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return null;
    let v = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) v += nums[i] * 256 ** (3 - i);
    const out = [];
    for (let i = 0; i < 4; i++) { out.unshift(String(v % 256)); v = Math.floor(v / 256); }
    return out.join('.');
  }

  // The eight pieces of an IPv6 address, or null on failure.
  function parseIPv6(s) {
    const a = [0, 0, 0, 0, 0, 0, 0, 0];
    const cps = codePoints(s);
    let piece = 0, compress = -1, p = 0;
    const c = () => (p < cps.length ? cps[p] : -1);
    if (c() === 0x3a) {
      if (cps[1] !== 0x3a) return null;
      p += 2;
      compress = ++piece;
    }
    while (c() !== -1) {
      if (piece === 8) return null;
      if (c() === 0x3a) {
        if (compress !== -1) return null;
        p++;
        compress = ++piece;
        continue;
      }
      let value = 0, length = 0;
      while (length < 4 && c() !== -1 && hexVal(c()) >= 0) { value = value * 16 + hexVal(c()); p++; length++; }
      if (c() === 0x2e) {
        if (length === 0) return null;
        p -= length;
        if (piece > 6) return null;
        let seen = 0;
        while (c() !== -1) {
          let v4 = -1;
          if (seen > 0) {
            if (c() === 0x2e && seen < 4) p++;
            else return null;
          }
          if (!(c() >= 0x30 && c() <= 0x39)) return null;
          while (c() >= 0x30 && c() <= 0x39) {
            const n = c() - 0x30;
            if (v4 === -1) v4 = n;
            else if (v4 === 0) return null;
            else v4 = v4 * 10 + n;
            if (v4 > 255) return null;
            p++;
          }
          a[piece] = a[piece] * 0x100 + v4;
          seen++;
          if (seen === 2 || seen === 4) piece++;
        }
        if (seen !== 4) return null;
        break;
      } else if (c() === 0x3a) {
        p++;
        if (c() === -1) return null;
      } else if (c() !== -1) return null;
      a[piece++] = value;
    }
    if (compress !== -1) {
      let swaps = piece - compress;
      piece = 7;
      while (piece !== 0 && swaps > 0) {
        const t = a[piece]; a[piece] = a[compress + swaps - 1]; a[compress + swaps - 1] = t;
        piece--; swaps--;
      }
    } else if (piece !== 8) return null;
    return a;
  }

  function serializeIPv6(a) {
    let best = -1, bestLen = 1;
    for (let i = 0; i < 8;) {
      if (a[i] !== 0) { i++; continue; }
      let j = i;
      while (j < 8 && a[j] === 0) j++;
      if (j - i > bestLen) { best = i; bestLen = j - i; }
      i = j;
    }
    let out = '', ignore0 = false;
    for (let i = 0; i < 8; i++) {
      if (ignore0 && a[i] === 0) continue;
      ignore0 = false;
      if (best === i) { out += i === 0 ? '::' : ':'; ignore0 = true; continue; }
      out += a[i].toString(16);
      if (i !== 7) out += ':';
    }
    return out;
  }

  // The host parser: the serialised host, or null on failure.
  function parseHost(input, opaque) {
    if (input[0] === '[') {
      if (input[input.length - 1] !== ']') return null;
      const a = parseIPv6(input.slice(1, -1));
      return a === null ? null : `[${serializeIPv6(a)}]`;
    }
    if (opaque) {
      const cps = codePoints(input);
      let out = '';
      for (let i = 0; i < cps.length; i++) {
        if (forbiddenHost(cps[i])) return null;
        out += encodeCp(cps[i], C0);
      }
      return out;
    }
    const domain = utf8Decode(percentDecode(input));
    const ascii = domainToASCII(domain);
    if (ascii === null) return null;
    for (let i = 0; i < ascii.length; i++) if (forbiddenDomain(ascii.charCodeAt(i))) return null;
    if (endsInNumber(ascii)) return parseIPv4(ascii);
    return ascii;
  }

  // ---- The basic URL parser --------------------------------------------------------------

  const specialPorts = { __proto__: null, 'ftp': 21, 'file': null, 'http': 80, 'https': 443, 'ws': 80, 'wss': 443 };
  const isSpecial = (scheme) => scheme in specialPorts;
  const defaultPort = (scheme) => (scheme in specialPorts ? specialPorts[scheme] : null);

  const S_SCHEME_START = 1, S_SCHEME = 2, S_NO_SCHEME = 3, S_SPECIAL_REL_OR_AUTH = 4,
    S_PATH_OR_AUTH = 5, S_RELATIVE = 6, S_RELATIVE_SLASH = 7, S_SPECIAL_AUTH_SLASHES = 8,
    S_SPECIAL_AUTH_IGNORE = 9, S_AUTHORITY = 10, S_HOST = 11, S_HOSTNAME = 12, S_PORT = 13,
    S_FILE = 14, S_FILE_SLASH = 15, S_FILE_HOST = 16, S_PATH_START = 17, S_PATH = 18,
    S_OPAQUE_PATH = 19, S_QUERY = 20, S_FRAGMENT = 21;

  const FAIL = null;
  const isAlpha = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const isDigit = (c) => c >= 0x30 && c <= 0x39;
  const isWinLetter = (s, normalized) => s.length === 2 && isAlpha(s.charCodeAt(0)) &&
    (s[1] === ':' || (!normalized && s[1] === '|'));
  // Whether cps[p..] starts with a Windows drive letter.
  function startsWithWinLetter(cps, p) {
    if (cps.length - p < 2 || !isAlpha(cps[p]) || (cps[p + 1] !== 0x3a && cps[p + 1] !== 0x7c)) return false;
    if (cps.length - p === 2) return true;
    const c = cps[p + 2];
    return c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23;
  }
  const singleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
  const doubleDot = (s) => {
    s = s.toLowerCase();
    return s === '..' || s === '.%2e' || s === '%2e.' || s === '%2e%2e';
  };

  const newRecord = () => ({ scheme: '', username: '', password: '', host: null, port: null,
    path: [], query: null, fragment: null });
  const opaquePath = (u) => typeof u.path === 'string';
  const hasCredentials = (u) => u.username !== '' || u.password !== '';

  function shorten(u) {
    if (u.scheme === 'file' && u.path.length === 1 && isWinLetter(u.path[0], true)) return;
    u.path.pop();
  }

  // Parses `input` (a USV string). Without `url`, returns a new record or FAIL; with `url`
  // and `override` (a state), modifies url and returns it, or FAIL (url may be changed).
  function parse(input, base, url, override) {
    if (!url) {
      url = newRecord();
      input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
    }
    input = input.replace(/[\t\n\r]/g, '');
    const cps = codePoints(input);
    let state = override || S_SCHEME_START;
    let buffer = '', atSeen = false, insideBrackets = false, passwordSeen = false;
    for (let p = 0; ; p++) {
      const c = p < cps.length ? cps[p] : -1;
      const ch = c === -1 ? '' : fromCodePoint(c);
      const special = isSpecial(url.scheme);
      switch (state) {
      case S_SCHEME_START:
        if (isAlpha(c)) { buffer += ch.toLowerCase(); state = S_SCHEME; } else if (!override) { state = S_NO_SCHEME; p--; } else return FAIL;
        break;
      case S_SCHEME:
        if (isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) buffer += ch.toLowerCase();
        else if (c === 0x3a) {
          if (override) {
            if (isSpecial(url.scheme) !== isSpecial(buffer)) return url;
            if ((hasCredentials(url) || url.port !== null) && buffer === 'file') return url;
            if (url.scheme === 'file' && url.host === '') return url;
          }
          url.scheme = buffer;
          if (override) {
            if (url.port === defaultPort(url.scheme)) url.port = null;
            return url;
          }
          buffer = '';
          if (url.scheme === 'file') state = S_FILE;
          else if (isSpecial(url.scheme) && base && base.scheme === url.scheme) state = S_SPECIAL_REL_OR_AUTH;
          else if (isSpecial(url.scheme)) state = S_SPECIAL_AUTH_SLASHES;
          else if (cps[p + 1] === 0x2f) { state = S_PATH_OR_AUTH; p++; } else { url.path = ''; state = S_OPAQUE_PATH; }
        } else if (!override) { buffer = ''; state = S_NO_SCHEME; p = -1; } else return FAIL;
        break;
      case S_NO_SCHEME:
        if (!base || (opaquePath(base) && c !== 0x23)) return FAIL;
        if (opaquePath(base) && c === 0x23) {
          url.scheme = base.scheme; url.path = base.path; url.query = base.query; url.fragment = '';
          state = S_FRAGMENT;
        } else if (base.scheme !== 'file') { state = S_RELATIVE; p--; } else { state = S_FILE; p--; }
        break;
      case S_SPECIAL_REL_OR_AUTH:
        if (c === 0x2f && cps[p + 1] === 0x2f) { state = S_SPECIAL_AUTH_IGNORE; p++; } else { state = S_RELATIVE; p--; }
        break;
      case S_PATH_OR_AUTH:
        if (c === 0x2f) state = S_AUTHORITY;
        else { state = S_PATH; p--; }
        break;
      case S_RELATIVE:
        url.scheme = base.scheme;
        if (c === 0x2f || (isSpecial(url.scheme) && c === 0x5c)) state = S_RELATIVE_SLASH;
        else {
          url.username = base.username; url.password = base.password; url.host = base.host;
          url.port = base.port; url.path = base.path.slice(); url.query = base.query;
          if (c === 0x3f) { url.query = ''; state = S_QUERY; } else if (c === 0x23) { url.fragment = ''; state = S_FRAGMENT; } else if (c !== -1) {
            url.query = null; shorten(url); state = S_PATH; p--;
          }
        }
        break;
      case S_RELATIVE_SLASH:
        if (special && (c === 0x2f || c === 0x5c)) state = S_SPECIAL_AUTH_IGNORE;
        else if (c === 0x2f) state = S_AUTHORITY;
        else {
          url.username = base.username; url.password = base.password; url.host = base.host;
          url.port = base.port; state = S_PATH; p--;
        }
        break;
      case S_SPECIAL_AUTH_SLASHES:
        if (c === 0x2f && cps[p + 1] === 0x2f) { state = S_SPECIAL_AUTH_IGNORE; p++; } else { state = S_SPECIAL_AUTH_IGNORE; p--; }
        break;
      case S_SPECIAL_AUTH_IGNORE:
        if (c !== 0x2f && c !== 0x5c) { state = S_AUTHORITY; p--; }
        break;
      case S_AUTHORITY:
        if (c === 0x40) {
          if (atSeen) buffer = `%40${buffer}`;
          atSeen = true;
          const bcps = codePoints(buffer);
          for (let i = 0; i < bcps.length; i++) {
            if (bcps[i] === 0x3a && !passwordSeen) { passwordSeen = true; continue; }
            const e = encodeCp(bcps[i], USERINFO);
            if (passwordSeen) url.password += e;
            else url.username += e;
          }
          buffer = '';
        } else if (c === -1 || c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c)) {
          if (atSeen && buffer === '') return FAIL;
          p -= codePoints(buffer).length + 1;
          buffer = '';
          state = S_HOST;
        } else buffer += ch;
        break;
      case S_HOST:
      case S_HOSTNAME:
        if (override && url.scheme === 'file') { p--; state = S_FILE_HOST; } else if (c === 0x3a && !insideBrackets) {
          if (buffer === '') return FAIL;
          if (override === S_HOSTNAME) return FAIL;
          const host = parseHost(buffer, !special);
          if (host === null) return FAIL;
          url.host = host; buffer = ''; state = S_PORT;
        } else if (c === -1 || c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c)) {
          p--;
          if (special && buffer === '') return FAIL;
          if (override && buffer === '' && (hasCredentials(url) || url.port !== null)) return FAIL;
          const host = parseHost(buffer, !special);
          if (host === null) return FAIL;
          url.host = host; buffer = ''; state = S_PATH_START;
          if (override) return url;
        } else {
          if (c === 0x5b) insideBrackets = true;
          if (c === 0x5d) insideBrackets = false;
          buffer += ch;
        }
        break;
      case S_PORT:
        if (isDigit(c)) buffer += ch;
        else if (c === -1 || c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c) || override) {
          if (buffer !== '') {
            let port = 0;
            for (let i = 0; i < buffer.length; i++) {
              port = port * 10 + (buffer.charCodeAt(i) - 0x30);
              if (port > 65535) return FAIL;
            }
            url.port = port === defaultPort(url.scheme) ? null : port;
            buffer = '';
            if (override) return url;
          }
          if (override) return FAIL;
          state = S_PATH_START; p--;
        } else return FAIL;
        break;
      case S_FILE:
        url.scheme = 'file';
        url.host = '';
        if (c === 0x2f || c === 0x5c) state = S_FILE_SLASH;
        else if (base && base.scheme === 'file') {
          url.host = base.host; url.path = base.path.slice(); url.query = base.query;
          if (c === 0x3f) { url.query = ''; state = S_QUERY; } else if (c === 0x23) { url.fragment = ''; state = S_FRAGMENT; } else if (c !== -1) {
            url.query = null;
            if (!startsWithWinLetter(cps, p)) shorten(url);
            else url.path = [];
            state = S_PATH; p--;
          }
        } else { state = S_PATH; p--; }
        break;
      case S_FILE_SLASH:
        if (c === 0x2f || c === 0x5c) state = S_FILE_HOST;
        else {
          if (base && base.scheme === 'file') {
            url.host = base.host;
            if (!startsWithWinLetter(cps, p) && base.path.length && isWinLetter(base.path[0], true)) url.path.push(base.path[0]);
          }
          state = S_PATH; p--;
        }
        break;
      case S_FILE_HOST:
        if (c === -1 || c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23) {
          p--;
          if (!override && isWinLetter(buffer, false)) state = S_PATH;
          else if (buffer === '') {
            url.host = '';
            if (override) return url;
            state = S_PATH_START;
          } else {
            let host = parseHost(buffer, !special);
            if (host === null) return FAIL;
            if (host === 'localhost') host = '';
            url.host = host;
            if (override) return url;
            buffer = ''; state = S_PATH_START;
          }
        } else buffer += ch;
        break;
      case S_PATH_START:
        if (special) {
          state = S_PATH;
          if (c !== 0x2f && c !== 0x5c) p--;
        } else if (!override && c === 0x3f) { url.query = ''; state = S_QUERY; } else if (!override && c === 0x23) { url.fragment = ''; state = S_FRAGMENT; } else if (c !== -1) {
          state = S_PATH;
          if (c !== 0x2f) p--;
        } else if (override && url.host === null) url.path.push('');
        break;
      case S_PATH:
        if (c === -1 || c === 0x2f || (special && c === 0x5c) || (!override && (c === 0x3f || c === 0x23))) {
          const slash = c === 0x2f || (special && c === 0x5c);
          if (doubleDot(buffer)) {
            shorten(url);
            if (!slash) url.path.push('');
          } else if (singleDot(buffer) && !slash) url.path.push('');
          else if (!singleDot(buffer)) {
            if (url.scheme === 'file' && url.path.length === 0 && isWinLetter(buffer, false)) buffer = `${buffer[0]}:`;
            url.path.push(buffer);
          }
          buffer = '';
          if (c === 0x3f) { url.query = ''; state = S_QUERY; }
          if (c === 0x23) { url.fragment = ''; state = S_FRAGMENT; }
        } else buffer += encodeCp(c, PATH);
        break;
      case S_OPAQUE_PATH:
        if (c === 0x3f) { url.query = ''; state = S_QUERY; } else if (c === 0x23) { url.fragment = ''; state = S_FRAGMENT; } else if (c !== -1) url.path += encodeCp(c, C0);
        break;
      case S_QUERY:
        if ((!override && c === 0x23) || c === -1) {
          if (c === 0x23) { url.fragment = ''; state = S_FRAGMENT; }
        } else url.query += encodeCp(c, special ? SPECIAL_QUERY : QUERY);
        break;
      case S_FRAGMENT:
        if (c !== -1) url.fragment += encodeCp(c, FRAGMENT);
        break;
      default:
        return FAIL;
      }
      if (p >= cps.length) break;
    }
    return url;
  }

  function serializePath(u) {
    if (opaquePath(u)) return u.path;
    let out = '';
    for (let i = 0; i < u.path.length; i++) out += `/${u.path[i]}`;
    return out;
  }

  function serialize(u, noFragment) {
    let out = `${u.scheme}:`;
    if (u.host !== null) {
      out += '//';
      if (hasCredentials(u)) {
        out += u.username;
        if (u.password !== '') out += `:${u.password}`;
        out += '@';
      }
      out += u.host;
      if (u.port !== null) out += `:${u.port}`;
    } else if (!opaquePath(u) && u.path.length > 1 && u.path[0] === '') out += '/.';
    out += serializePath(u);
    if (u.query !== null) out += `?${u.query}`;
    if (!noFragment && u.fragment !== null) out += `#${u.fragment}`;
    return out;
  }

  function origin(u) {
    if (u.scheme === 'blob') {
      const inner = parse(serializePath(u), null);
      if (inner && (inner.scheme === 'http' || inner.scheme === 'https')) return origin(inner);
      return 'null';
    }
    if (u.scheme === 'ftp' || u.scheme === 'http' || u.scheme === 'https' || u.scheme === 'ws' || u.scheme === 'wss') {
      return `${u.scheme}://${u.host}${u.port !== null ? `:${u.port}` : ''}`;
    }
    return 'null';
  }

  function stripOpaqueSpaces(u) {
    if (!opaquePath(u) || u.fragment !== null || u.query !== null) return;
    u.path = u.path.replace(/ +$/, '');
  }

  // The common case, an absolute http(s)/ws(s) URL already in canonical form, without the
  // state machine: measured, the first run of parse() in a realm cost ~0.2 ms and ~140 KB of
  // its heap (the linked code of a big function), which every fetch handler that reads
  // `new URL(request.url)` paid. Only inputs the full parser leaves unchanged apart from the
  // port match: lowercase ASCII host that is not an IPv4 address and has no punycode label,
  // no credentials, no dot segments, no percent sign in the path, no fragment; anything else
  // falls through to parse(). tests/webapi/url.js compares both on many inputs.
  const SIMPLE = /^(https?|wss?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([0-9]{1,5}))?((?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@]*)+)(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@/?%]*))?$/;
  const SIMPLE_BAD_HOST = /(?:^|\.)(?:xn--|[0-9][^.]*$)/;
  const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
  function parseSimple(s) {
    if (s.length > 2048) return FAIL;
    const m = SIMPLE.exec(s);
    if (m === null || SIMPLE_BAD_HOST.test(m[2]) || DOT_SEGMENT.test(m[4])) return FAIL;
    let port = null;
    if (m[3] !== undefined) {
      port = +m[3];
      if (port > 65535) return FAIL;
      if (port === specialPorts[m[1]]) port = null;
    }
    return { scheme: m[1], username: '', password: '', host: m[2], port,
      path: m[4].slice(1).split('/'), query: m[5] === undefined ? null : m[5], fragment: null };
  }

  function parseChecked(input, base) {
    const s = usv(input);
    if (s.length > MAX_INPUT) return FAIL;
    if (base === null) {
      const u = parseSimple(s);
      if (u !== FAIL) return u;
    }
    return parse(s, base);
  }

  // ---- application/x-www-form-urlencoded -------------------------------------------------

  function formParse(s) {
    const out = [];
    const seqs = s.split('&');
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i];
      if (seq === '') continue;
      const eq = seq.indexOf('=');
      const name = eq < 0 ? seq : seq.slice(0, eq);
      const value = eq < 0 ? '' : seq.slice(eq + 1);
      out[out.length] = [utf8Decode(percentDecode(name.replace(/\+/g, ' '))),
        utf8Decode(percentDecode(value.replace(/\+/g, ' ')))];
    }
    return out;
  }

  function formSerialize(list) {
    let out = '';
    for (let i = 0; i < list.length; i++) {
      if (i) out += '&';
      out += `${encodeStr(list[i][0], FORM, true)}=${encodeStr(list[i][1], FORM, true)}`;
    }
    return out;
  }

  // ---- URLSearchParams -------------------------------------------------------------------

  let linkParams; // (params, url record holder) -> void; set inside the class body
  let paramsList; // params -> its list (for URL's update steps)

  class URLSearchParams {
    #list = [];
    #owner = null; // the URL whose query this object reflects

    constructor(init = '') {
      if (typeof init === 'object' && init !== null || typeof init === 'function') {
        const iter = init[Symbol.iterator];
        if (iter !== undefined && iter !== null) {
          if (typeof iter !== 'function') throw new TypeError("Failed to construct 'URLSearchParams': @@iterator is not callable");
          for (const pair of init) {
            if (typeof pair !== 'object' && typeof pair !== 'function' || pair === null) {
              throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
            }
            const items = Array.from(pair);
            if (items.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
            this.#list.push([usv(items[0]), usv(items[1])]);
          }
        } else {
          const keys = Reflect.ownKeys(init);
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i];
            if (typeof k !== 'string') continue;
            const d = Reflect.getOwnPropertyDescriptor(init, k);
            if (d === undefined || !d.enumerable) continue;
            this.#list.push([usv(k), usv(init[k])]);
          }
        }
      } else {
        let s = usv(init);
        if (s[0] === '?') s = s.slice(1);
        this.#list = formParse(s);
      }
    }

    static {
      linkParams = (params, owner, query) => {
        params.#owner = owner;
        params.#list = query === null ? [] : formParse(query);
      };
      paramsList = (params) => params.#list;
    }

    #update() {
      const o = this.#owner;
      if (o === null) return;
      const s = formSerialize(this.#list);
      o.query = s === '' ? null : s;
      if (s === '') stripOpaqueSpaces(o);
    }

    get size() { return this.#list.length; }
    append(name, value) {
      if (arguments.length < 2) throw new TypeError("Failed to execute 'append' on 'URLSearchParams': 2 arguments required");
      this.#list.push([usv(name), usv(value)]);
      this.#update();
    }
    delete(name, value) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'delete' on 'URLSearchParams': 1 argument required");
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      this.#list = this.#list.filter((e) => !(e[0] === n && (v === undefined || e[1] === v)));
      this.#update();
    }
    get(name) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'get' on 'URLSearchParams': 1 argument required");
      const n = usv(name);
      for (const e of this.#list) if (e[0] === n) return e[1];
      return null;
    }
    getAll(name) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'getAll' on 'URLSearchParams': 1 argument required");
      const n = usv(name);
      return this.#list.filter((e) => e[0] === n).map((e) => e[1]);
    }
    has(name, value) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'has' on 'URLSearchParams': 1 argument required");
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      return this.#list.some((e) => e[0] === n && (v === undefined || e[1] === v));
    }
    set(name, value) {
      if (arguments.length < 2) throw new TypeError("Failed to execute 'set' on 'URLSearchParams': 2 arguments required");
      const n = usv(name), v = usv(value);
      const i = this.#list.findIndex((e) => e[0] === n);
      if (i < 0) this.#list.push([n, v]);
      else {
        this.#list[i][1] = v;
        this.#list = this.#list.filter((e, j) => j <= i || e[0] !== n);
      }
      this.#update();
    }
    sort() {
      // Stable (Array.prototype.sort is), by code units: plain string comparison.
      this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      this.#update();
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'.");
      for (let i = 0; i < this.#list.length; i++) {
        const e = this.#list[i];
        Reflect.apply(callback, thisArg, [e[1], e[0], this]);
      }
    }
    entries() { return makeIterator(this.#list, 0, this); }
    keys() { return makeIterator(this.#list, 1, this); }
    values() { return makeIterator(this.#list, 2, this); }
    toString() { return formSerialize(this.#list); }
  }

  // Live iterators: they index the current list of their object on each step.
  const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const iterState = new P.WeakMap();
  const ParamsIteratorProto = Object.create(IteratorProto, {
    next: {
      value: function next() {
        const s = iterState.get(this);
        if (s === undefined) throw new TypeError('Illegal invocation');
        const list = paramsList(s.params);
        if (s.i >= list.length) return { value: undefined, done: true };
        const e = list[s.i++];
        return { value: s.kind === 0 ? [e[0], e[1]] : s.kind === 1 ? e[0] : e[1], done: false };
      },
      writable: true, configurable: true,
    },
    [Symbol.toStringTag]: { value: 'URLSearchParams Iterator', configurable: true },
  });
  function makeIterator(list, kind, params) {
    const it = Object.create(ParamsIteratorProto);
    iterState.set(it, { params, kind, i: 0 });
    return it;
  }
  Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
    value: URLSearchParams.prototype.entries, writable: true, configurable: true,
  });
  Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: 'URLSearchParams', configurable: true });

  // ---- URL -------------------------------------------------------------------------------

  class URL {
    #u;
    #params;

    constructor(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
      let b = null;
      if (base !== undefined) {
        b = parseChecked(base, null);
        if (b === FAIL) throw new TypeError(`Invalid URL: ${usv(url)}`);
      }
      const u = parseChecked(url, b);
      if (u === FAIL) throw new TypeError(`Invalid URL: ${usv(url)}`);
      this.#u = u;
      this.#params = new URLSearchParams();
      linkParams(this.#params, u, u.query);
    }

    static canParse(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'canParse' on 'URL': 1 argument required, but only 0 present.");
      let b = null;
      if (base !== undefined) {
        b = parseChecked(base, null);
        if (b === FAIL) return false;
      }
      return parseChecked(url, b) !== FAIL;
    }

    static parse(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError("Failed to execute 'parse' on 'URL': 1 argument required, but only 0 present.");
      try {
        return new URL(url, base);
      } catch {
        return null;
      }
    }

    // As in the spec, a setter keeps what the parser changed before a failure.
    #set(value, state, prepare) {
      if (prepare) prepare(this.#u);
      parse(value, null, this.#u, state);
    }

    get href() { return serialize(this.#u); }
    set href(v) {
      const u = parseChecked(v, null);
      if (u === FAIL) throw new TypeError(`Invalid URL: ${usv(v)}`);
      Object.assign(this.#u, u);
      linkParams(this.#params, this.#u, u.query);
    }
    get origin() { return origin(this.#u); }
    get protocol() { return `${this.#u.scheme}:`; }
    set protocol(v) { this.#set(`${usv(v)}:`, S_SCHEME_START); }
    get username() { return this.#u.username; }
    set username(v) {
      const u = this.#u;
      if (u.host === null || u.host === '' || u.scheme === 'file') return;
      u.username = encodeStr(usv(v), USERINFO);
    }
    get password() { return this.#u.password; }
    set password(v) {
      const u = this.#u;
      if (u.host === null || u.host === '' || u.scheme === 'file') return;
      u.password = encodeStr(usv(v), USERINFO);
    }
    get host() {
      const u = this.#u;
      if (u.host === null) return '';
      return u.port === null ? u.host : `${u.host}:${u.port}`;
    }
    set host(v) {
      if (opaquePath(this.#u)) return;
      this.#set(usv(v), S_HOST);
    }
    get hostname() { return this.#u.host === null ? '' : this.#u.host; }
    set hostname(v) {
      if (opaquePath(this.#u)) return;
      this.#set(usv(v), S_HOSTNAME);
    }
    get port() { return this.#u.port === null ? '' : String(this.#u.port); }
    set port(v) {
      const u = this.#u;
      if (u.host === null || u.host === '' || u.scheme === 'file') return;
      const s = usv(v);
      if (s === '') u.port = null;
      else this.#set(s, S_PORT);
    }
    get pathname() { return serializePath(this.#u); }
    set pathname(v) {
      if (opaquePath(this.#u)) return;
      this.#set(usv(v), S_PATH_START, (c) => { c.path = []; });
    }
    get search() {
      const q = this.#u.query;
      return q === null || q === '' ? '' : `?${q}`;
    }
    set search(v) {
      const u = this.#u;
      let s = usv(v);
      if (s === '') {
        u.query = null;
        linkParams(this.#params, u, null);
        stripOpaqueSpaces(u);
        return;
      }
      if (s[0] === '?') s = s.slice(1);
      this.#set(s, S_QUERY, (c) => { c.query = ''; });
      linkParams(this.#params, u, s);
    }
    get searchParams() { return this.#params; }
    get hash() {
      const f = this.#u.fragment;
      return f === null || f === '' ? '' : `#${f}`;
    }
    set hash(v) {
      const u = this.#u;
      let s = usv(v);
      if (s === '') {
        u.fragment = null;
        stripOpaqueSpaces(u);
        return;
      }
      if (s[0] === '#') s = s.slice(1);
      this.#set(s, S_FRAGMENT, (c) => { c.fragment = ''; });
    }
    toString() { return serialize(this.#u); }
    toJSON() { return serialize(this.#u); }
  }
  for (const k of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname',
    'port', 'pathname', 'search', 'searchParams', 'hash', 'toString', 'toJSON']) {
    const d = Reflect.getOwnPropertyDescriptor(URL.prototype, k);
    d.enumerable = true;
    Object.defineProperty(URL.prototype, k, d);
  }
  Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true });

  return { __proto__: null, URL, URLSearchParams };
})
