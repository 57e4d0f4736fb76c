// queueMicrotask and timers (the C driver runs timers on a virtual clock).
test('queueMicrotask runs after the current task, before timers', async () => {
  const order = [];
  setTimeout(() => order.push('timeout'), 0);
  queueMicrotask(() => order.push('micro'));
  order.push('sync');
  await new Promise((r) => setTimeout(r, 5));
  assertEq(order.join(), 'sync,micro,timeout');
});
test('queueMicrotask needs a function', () => {
  assertThrows(() => queueMicrotask(1), TypeError);
  assertThrows(() => queueMicrotask(), TypeError);
});
test('setTimeout passes extra arguments and this', async () => {
  const got = await new Promise((r) => setTimeout(function (a, b) { r([a, b, this === globalThis]); }, 1, 'x', 2));
  assertEq(got.join(), 'x,2,true');
});
test('setTimeout order by delay', async () => {
  const order = [];
  setTimeout(() => order.push(3), 30);
  setTimeout(() => order.push(1), 10);
  setTimeout(() => order.push(2), 20);
  setTimeout(() => order.push(0), -5);
  setTimeout(() => order.push(0.5), NaN);
  await new Promise((r) => setTimeout(r, 50));
  assertEq(order.join(), '0,0.5,1,2,3');
});
test('ids are numbers > 0 and clearTimeout cancels', async () => {
  let ran = false;
  const id = setTimeout(() => { ran = true; }, 1);
  assertEq(typeof id, 'number');
  assert(id > 0);
  clearTimeout(id);
  clearTimeout(undefined);
  clearTimeout('nonsense');
  clearTimeout(99999);
  await new Promise((r) => setTimeout(r, 5));
  assert(!ran);
});
test('setInterval repeats until cleared', async () => {
  let n = 0;
  await new Promise((r) => {
    const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(); } }, 10);
  });
  assertEq(n, 3);
});
test('non-function callbacks throw TypeError', () => {
  assertThrows(() => setTimeout('alert(1)', 1), TypeError);
  assertThrows(() => setInterval(null), TypeError);
});
test('the host cap on timers surfaces as RangeError', () => {
  const ids = [];
  const err = assertThrows(() => { for (let i = 0; i < 200; i++) ids.push(setTimeout(() => {}, 1e6)); }, RangeError);
  ids.forEach(clearTimeout);
  assert(/too many timers/.test(err.message));
});
test('delay coercion', async () => {
  // 2**31 wraps to a negative long: runs immediately.
  let ran = false;
  setTimeout(() => { ran = true; }, 2 ** 31);
  await new Promise((r) => setTimeout(r, 1));
  assert(ran);
});
