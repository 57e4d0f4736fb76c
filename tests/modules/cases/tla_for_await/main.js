async function* g() { yield 1; yield 2; }
for await (const x of g()) console.log(x);
export const done = true;
console.log("done");
