// FormData.
test('append/get/getAll/has/delete/set', () => {
  const fd = new FormData();
  fd.append('a', '1');
  fd.append('b', '2');
  fd.append('a', '3');
  assertEq(fd.get('a'), '1');
  assertArrayEq(fd.getAll('a'), ['1', '3']);
  assertEq(fd.has('b'), true);
  assertEq(fd.get('zz'), null);
  fd.set('a', '4');
  assertArrayEq([...fd.keys()], ['a', 'b']);
  assertArrayEq([...fd.values()], ['4', '2']);
  fd.delete('a');
  assertEq(fd.has('a'), false);
  fd.set('c', 5);
  assertEq(fd.get('c'), '5');
  assertEq(JSON.stringify([...fd]), '[["b","2"],["c","5"]]');
  const seen = [];
  fd.forEach(function (v, k, o) { seen.push(k + v + (o === fd) + (this == 1)); }, 1);
  assertEq(seen.join(), 'b2truetrue,c5truetrue');
  assertEq(Object.prototype.toString.call(fd), '[object FormData]');
});

test('Blob values become Files; filenames', () => {
  const fd = new FormData();
  fd.append('b', new Blob(['x'], { type: 'text/plain' }));
  const f = fd.get('b');
  assert(f instanceof File);
  assertEq(f.name, 'blob');
  assertEq(f.type, 'text/plain');
  fd.append('n', new Blob(['y']), 'named.txt');
  assertEq(fd.get('n').name, 'named.txt');
  const file = new File(['z'], 'orig.txt', { lastModified: 5 });
  fd.append('f', file);
  assertEq(fd.get('f'), file);
  fd.set('f', file, 'renamed');
  assertEq(fd.get('f').name, 'renamed');
  assertEq(fd.get('f').lastModified, 5);
  assertThrows(() => fd.append('x', 'str', 'name'), TypeError);
});

test('misuse and hostile input', () => {
  assertThrows(() => new FormData({}), TypeError);
  assertThrows(() => FormData.prototype.get.call({}, 'a'), TypeError);
  assertThrows(() => new FormData().append('a'), TypeError);
  const fd = new FormData();
  assertThrows(() => fd.append({ toString() { throw new RangeError('n'); } }, 'v'), RangeError);
  fd.append('\ud800', 'v\udc00');
  assertEq([...fd.keys()][0], '\ufffd');
  assertEq(fd.get('\ufffd'), 'v\ufffd');
});

test('iteration is live', () => {
  const fd = new FormData();
  fd.append('a', '1');
  const out = [];
  for (const [k] of fd) { out.push(k); if (out.length < 3) fd.append('x' + out.length, '1'); }
  assertEq(out.join(), 'a,x1,x2');
});
