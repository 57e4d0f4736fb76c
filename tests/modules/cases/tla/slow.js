console.log("slow start");
export let v = "early";
await new Promise((r) => setTimeout(r, 5));
v = "late";
console.log("slow end");
