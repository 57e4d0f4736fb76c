// atob / btoa (HTML forgiving-base64).
test('btoa', () => {
  assertEq(btoa(''), '');
  assertEq(btoa('f'), 'Zg==');
  assertEq(btoa('fo'), 'Zm8=');
  assertEq(btoa('foo'), 'Zm9v');
  assertEq(btoa('\u00ff\u00fe'), '//4=');
  assertEq(btoa(12), 'MTI=');
  const e = assertThrows(() => btoa('\u0100'), DOMException);
  assertEq(e.name, 'InvalidCharacterError');
  assertEq(e.code, 5);
  assertThrows(() => btoa(), TypeError);
});
test('atob', () => {
  assertEq(atob(''), '');
  assertEq(atob('Zm9v'), 'foo');
  assertEq(atob('Zg=='), 'f');
  assertEq(atob('Zg'), 'f', 'padding optional');
  assertEq(atob('Zm8'), 'fo');
  assertEq(atob(' Z m\t9\nv\f\r'), 'foo', 'ASCII whitespace removed');
  assertEq(atob('//4='), '\u00ff\u00fe');
  assertThrows(() => atob(undefined), 'InvalidCharacterError', '"undefined" has 9 characters');
  assertEq(atob(null), '\u009e\u00e9\u0065');
});
test('atob errors', () => {
  for (const bad of ['Z', 'Zg=', 'Zg===', '=Zg=', 'Z=g=', 'Zm9v\u00a0', 'Zm9v!', 'Zg==Zg==', 'abcde', '\u2028Zg==']) {
    const e = assertThrows(() => atob(bad), DOMException, JSON.stringify(bad));
    assertEq(e.name, 'InvalidCharacterError');
  }
  assertThrows(() => atob(), TypeError);
});
test('round trip of all bytes', () => {
  let s = '';
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  assertEq(atob(btoa(s)), s);
  assertEq(atob(btoa(s.repeat(100))), s.repeat(100));
});
