// TextEncoder / TextDecoder (WHATWG Encoding).
const bytes = (...b) => new Uint8Array(b);
test('TextEncoder basics', () => {
  const te = new TextEncoder();
  assertEq(te.encoding, 'utf-8');
  assertArrayEq(te.encode('h\u00e9\u20ac\u{1f600}'), [0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  assertArrayEq(te.encode(), []);
  assertArrayEq(te.encode('\ud800'), [0xef, 0xbf, 0xbd], 'lone surrogate');
  assertArrayEq(te.encode('a\0b'), [0x61, 0, 0x62]);
  assert(te.encode('x') instanceof Uint8Array);
});
test('TextEncoder.encodeInto', () => {
  const te = new TextEncoder();
  const dst = new Uint8Array(5);
  const r = te.encodeInto('a\u20ac\u20ac', dst);
  assertEq(r.read, 2);
  assertEq(r.written, 4);
  assertArrayEq(dst, [0x61, 0xe2, 0x82, 0xac, 0]);
  const r2 = te.encodeInto('\u{1f600}x', new Uint8Array(4));
  assertEq(r2.read, 2);
  assertEq(r2.written, 4);
  assertThrows(() => te.encodeInto('x', new Uint16Array(2)), TypeError);
});
test('TextDecoder utf-8 and labels', () => {
  const td = new TextDecoder();
  assertEq(td.encoding, 'utf-8');
  assertEq(td.fatal, false);
  assertEq(td.ignoreBOM, false);
  assertEq(td.decode(bytes(0x68, 0xc3, 0xa9)), 'h\u00e9');
  assertEq(td.decode(), '');
  assertEq(td.decode(bytes(0x61, 0, 0x62)), 'a\0b');
  assertEq(new TextDecoder(' UTF8 ').encoding, 'utf-8');
  assertEq(new TextDecoder('unicode-1-1-utf-8').encoding, 'utf-8');
  assertEq(new TextDecoder('latin1').encoding, 'windows-1252');
  assertEq(new TextDecoder('ascii').encoding, 'windows-1252');
  assertEq(new TextDecoder('utf-16').encoding, 'utf-16le');
  assertThrows(() => new TextDecoder('nope'), RangeError);
  assertThrows(() => new TextDecoder('utf-32'), RangeError);
});
test('TextDecoder accepts ArrayBuffer and any view', () => {
  const td = new TextDecoder();
  const buf = new Uint8Array([0x20, 0x61, 0x62, 0x63, 0x20]).buffer;
  assertEq(td.decode(buf), ' abc ');
  assertEq(td.decode(new DataView(buf, 1, 3)), 'abc');
  assertEq(td.decode(new Uint8Array(buf, 1, 2)), 'ab');
  assertEq(td.decode(new Uint16Array([0x6261])), 'ab');
  assertThrows(() => td.decode('abc'), TypeError);
  assertThrows(() => td.decode([0x61]), TypeError);
  assertEq(typeof SharedArrayBuffer, 'undefined');
});
test('invalid utf-8 becomes U+FFFD (maximal subparts)', () => {
  const td = new TextDecoder();
  assertEq(td.decode(bytes(0xff)), '\ufffd');
  assertEq(td.decode(bytes(0xe2, 0x82, 0x41)), '\ufffdA', 'truncated sequence is one U+FFFD');
  assertEq(td.decode(bytes(0xc0, 0x80)), '\ufffd\ufffd', 'overlong');
  assertEq(td.decode(bytes(0xed, 0xa0, 0x80)), '\ufffd\ufffd\ufffd', 'surrogate');
  assertEq(td.decode(bytes(0xf4, 0x90, 0x80, 0x80)), '\ufffd\ufffd\ufffd\ufffd', '> U+10FFFF');
  assertEq(td.decode(bytes(0xf0, 0x9f, 0x98)), '\ufffd', 'truncated at end');
  assertEq(td.decode(bytes(0x61, 0x80, 0x62)), 'a\ufffdb');
});
test('fatal mode throws TypeError', () => {
  const td = new TextDecoder('utf-8', { fatal: true });
  assertEq(td.fatal, true);
  assertThrows(() => td.decode(bytes(0xff)), TypeError);
  assertThrows(() => td.decode(bytes(0xe2, 0x82)), TypeError);
  assertEq(td.decode(bytes(0x61)), 'a', 'usable after an error');
  const t16 = new TextDecoder('utf-16le', { fatal: true });
  assertThrows(() => t16.decode(bytes(0x00, 0xd8)), TypeError, 'lone lead surrogate');
  assertThrows(() => t16.decode(bytes(0x61)), TypeError, 'odd byte count');
});
test('streaming splits multibyte sequences', () => {
  const td = new TextDecoder();
  const all = new TextEncoder().encode('a\u20acb\u{1f600}c');
  let out = '';
  for (const b of all) out += td.decode(bytes(b), { stream: true });
  out += td.decode();
  assertEq(out, 'a\u20acb\u{1f600}c');
  assertEq(td.decode(bytes(0xe2, 0x82), { stream: true }), '');
  assertEq(td.decode(), '\ufffd', 'flush of an incomplete sequence');
  const f = new TextDecoder('utf-8', { fatal: true });
  assertEq(f.decode(bytes(0xf0, 0x9f), { stream: true }), '');
  assertEq(f.decode(bytes(0x98, 0x80)), '\u{1f600}');
});
test('BOM handling', () => {
  assertEq(new TextDecoder().decode(bytes(0xef, 0xbb, 0xbf, 0x61)), 'a');
  assertEq(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes(0xef, 0xbb, 0xbf, 0x61)), '\ufeffa');
  const td = new TextDecoder();
  assertEq(td.decode(bytes(0xef, 0xbb), { stream: true }), '');
  assertEq(td.decode(bytes(0xbf, 0x62), { stream: true }), 'b');
  assertEq(td.decode(bytes(0xef, 0xbb, 0xbf)), '\ufeff', 'only the first BOM of a stream');
  assertEq(td.decode(bytes(0xef, 0xbb, 0xbf)), '', 'a new stream after a flush');
  assertEq(new TextDecoder('utf-16le').decode(bytes(0xff, 0xfe, 0x61, 0)), 'a');
  assertEq(new TextDecoder('utf-16be').decode(bytes(0xfe, 0xff, 0, 0x61)), 'a');
});
test('utf-16le / utf-16be', () => {
  assertEq(new TextDecoder('utf-16le').decode(bytes(0x61, 0, 0x3d, 0xd8, 0x00, 0xde)), 'a\u{1f600}');
  assertEq(new TextDecoder('utf-16be').decode(bytes(0, 0x61, 0xd8, 0x3d, 0xde, 0x00)), 'a\u{1f600}');
  assertEq(new TextDecoder('utf-16le').decode(bytes(0x00, 0xdc, 0x61, 0)), '\ufffda');
  const td = new TextDecoder('utf-16le');
  assertEq(td.decode(bytes(0x61), { stream: true }), '');
  assertEq(td.decode(bytes(0, 0x62, 0)), 'ab');
});
test('windows-1252', () => {
  const td = new TextDecoder('iso-8859-1');
  assertEq(td.decode(bytes(0x41, 0x80, 0x9f, 0xe9, 0x81)), 'A\u20ac\u0178\u00e9\u0081');
  assertEq(td.ignoreBOM, false);
});
test('large round trip', () => {
  const s = 'x\u00e9\u{1f600}'.repeat(100000);
  assertEq(new TextDecoder().decode(new TextEncoder().encode(s)), s);
});
