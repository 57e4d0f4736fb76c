export async function run() {
  const m = await import("./lib/dyn.js");
  console.log(m.default, m.helper());
  const again = await import("./lib/dyn.js");
  console.log(m === again);
  try { await import("./nope.js"); } catch (e) { console.log(e.code, e.message); }
  try { await import("./bad.js"); } catch (e) { console.log(e.name); }
  console.log(import.meta.url);
}
