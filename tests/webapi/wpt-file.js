// WPT-style tests of Blob, File, FormData and fetch bodies, written after the cases of WPT's
// FileAPI/, xhr/formdata/ and fetch/api/ directories (not copies).
'use strict';

wpt_suite('FileAPI/blob');

promise_test(async () => {
  const blob = new Blob(['a', new Uint8Array([98]), new Uint16Array([0x6463]).buffer, new Blob(['e'])]);
  assert_equals(blob.size, 5);
  assert_equals(await blob.text(), 'abcde');
}, 'Blob constructor with mixed parts');

test(() => {
  assert_throws_js(TypeError, () => new Blob('fail'));
  assert_throws_js(TypeError, () => new Blob(7));
  assert_throws_js(TypeError, () => new Blob({}));
  assert_equals(new Blob({ [Symbol.iterator]: Array.prototype[Symbol.iterator], length: 1, 0: 'x' }).size, 1);
  assert_equals(new Blob([], undefined).size, 0);
  assert_equals(new Blob([], null).size, 0);
}, 'Blob constructor: blobParts must be a sequence');

promise_test(async () => {
  const blob = new Blob([{ toString() { return 'PASS'; } }, 1, null, undefined]);
  assert_equals(await blob.text(), 'PASS1nullundefined');
}, 'Blob parts are stringified');

test(() => {
  assert_equals(new Blob([], { type: 'a/b' }).type, 'a/b');
  assert_equals(new Blob([], { type: 'A/B' }).type, 'a/b');
  assert_equals(new Blob([], { type: '\u00e5' }).type, '');
  assert_equals(new Blob([], { type: 'a\u0019' }).type, '');
  assert_equals(new Blob([], { type: 'text/plain;charset=UTF-8' }).type, 'text/plain;charset=utf-8');
}, 'Blob type normalisation');

promise_test(async () => {
  const blob = new Blob(['abcdefghij']);
  const cases = [[[], 'abcdefghij'], [[2], 'cdefghij'], [[-3], 'hij'], [[2, 5], 'cde'], [[2, -2], 'cdefgh'],
    [[-100, 3], 'abc'], [[5, 2], ''], [[0, 100], 'abcdefghij']];
  for (const [args, want] of cases) assert_equals(await blob.slice(...args).text(), want, JSON.stringify(args));
}, 'Blob.slice start/end arithmetic');

promise_test(async () => {
  const blob = new Blob(['PASS']);
  const stream = blob.stream();
  assert_true(stream instanceof ReadableStream);
  const reader = stream.getReader({ mode: 'byob' });
  const { value } = await reader.read(new Uint8Array(2));
  assert_equals(new TextDecoder().decode(value), 'PA');
}, 'Blob.stream is a byte stream');

promise_test(async () => {
  const blob = new Blob(['x']);
  const a = await blob.arrayBuffer();
  const b = await blob.arrayBuffer();
  assert_not_equals(a, b, 'a new buffer each time');
  assert_true((await blob.bytes()) instanceof Uint8Array);
}, 'Blob.arrayBuffer and bytes give fresh buffers');

test(() => {
  const clone = structuredClone(new Blob(['x']));
  assert_true(clone instanceof Blob);
}, 'Blob is serializable');

wpt_suite('FileAPI/file');

test(() => {
  const f = new File(['bits'], 'dummy', { type: 'text/plain', lastModified: 42 });
  assert_true(f instanceof Blob);
  assert_equals(f.name, 'dummy');
  assert_equals(f.size, 4);
  assert_equals(f.type, 'text/plain');
  assert_equals(f.lastModified, 42);
  assert_equals(new File([], 'a/b').name, 'a/b', 'slashes are kept');
  assert_equals(new File([], 'x', { lastModified: -1 }).lastModified, -1);
  assert_equals(new File([], 'x', { lastModified: 1.9 }).lastModified, 1);
}, 'File constructor');

test(() => {
  assert_throws_js(TypeError, () => new File());
  assert_throws_js(TypeError, () => new File(['x']));
  assert_equals(new File(['x'], null).name, 'null');
}, 'File constructor arguments');

wpt_suite('xhr/formdata');

test(() => {
  const fd = new FormData();
  fd.append('key', 'value1');
  fd.append('key', 'value2');
  assert_equals(fd.get('key'), 'value1');
  assert_array_equals(fd.getAll('key'), ['value1', 'value2']);
  assert_array_equals(fd.getAll('none'), []);
  assert_equals(fd.get('none'), null);
}, 'FormData append and get');

test(() => {
  const fd = new FormData();
  fd.append('a', '1');
  fd.append('b', '2');
  fd.append('a', '3');
  fd.set('a', '4');
  assert_array_equals([...fd.entries()].map((e) => e.join('=')), ['a=4', 'b=2']);
  fd.delete('a');
  assert_false(fd.has('a'));
}, 'FormData set replaces the first and removes the others');

test(() => {
  const fd = new FormData();
  fd.append('file', new Blob(['x'], { type: 'text/plain' }));
  const f = fd.get('file');
  assert_true(f instanceof File);
  assert_equals(f.name, 'blob');
  fd.append('file2', new File(['y'], 'name.txt'), 'override.txt');
  assert_equals(fd.get('file2').name, 'override.txt');
}, 'FormData with Blobs and Files');

test(() => {
  const fd = new FormData();
  fd.append('\uD800', '\uDC00');
  assert_equals([...fd.keys()][0], '\uFFFD');
  assert_equals(fd.get('\uFFFD'), '\uFFFD');
}, 'FormData converts names and values to USVStrings');

test(() => {
  const fd = new FormData();
  assert_throws_js(TypeError, () => fd.append('a'));
  assert_throws_js(TypeError, () => fd.append('a', 'b', 'c'));
  assert_throws_js(TypeError, () => fd.set('a'));
}, 'FormData argument errors');

wpt_suite('fetch/api/body');

promise_test(async () => {
  const fd = new FormData();
  fd.append('text', 'x');
  fd.append('file', new File(['abc'], 'f.txt', { type: 'text/plain' }));
  const req = new Request('http://example.com/', { method: 'POST', body: fd });
  assert_true(req.headers.get('content-type').startsWith('multipart/form-data; boundary='));
  const back = await req.formData();
  assert_equals(back.get('text'), 'x');
  assert_equals(await back.get('file').text(), 'abc');
  assert_equals(back.get('file').type, 'text/plain');
}, 'a FormData body round-trips');

promise_test(async () => {
  const resp = new Response('a=b&c=d+e', { headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' } });
  const fd = await resp.formData();
  assert_equals(fd.get('a'), 'b');
  assert_equals(fd.get('c'), 'd e');
}, 'formData() of an urlencoded body');

promise_test(async () => {
  const resp = new Response(new Blob(['x'], { type: 'text/html' }));
  assert_equals(resp.headers.get('content-type'), 'text/html');
  const blob = await resp.blob();
  assert_equals(blob.type, 'text/html');
}, 'a Blob body sets the Content-Type');

promise_test(async () => {
  const resp = new Response('x');
  assert_false(resp.bodyUsed);
  const stream = resp.body;
  assert_true(stream instanceof ReadableStream);
  assert_false(resp.bodyUsed, 'getting body does not use it');
  await resp.text();
  assert_true(resp.bodyUsed);
  await promise_rejects_js(null, TypeError, resp.text());
}, 'bodyUsed follows the stream');

promise_test(async () => {
  const resp = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104, 105])); c.close(); } }));
  const clone = resp.clone();
  assert_equals(await resp.text(), 'hi');
  assert_equals(await clone.text(), 'hi');
}, 'clone() of a stream body');

promise_test(async () => {
  const resp = new Response(new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } }));
  await promise_rejects_js(null, TypeError, resp.text());
}, 'non-Uint8Array chunks are a TypeError');

test(() => {
  const stream = new ReadableStream();
  assert_throws_js(TypeError, () => new Request('http://x/', { method: 'POST', body: stream }));
}, 'a ReadableStream request body requires duplex: half');

promise_test(async () => {
  const resp = new Response(null);
  assert_equals(resp.body, null);
  assert_equals(await resp.text(), '');
  assert_false(resp.bodyUsed);
}, 'a null body');

wpt_done();
