export async function run() {
  try { await import("./ns.ts"); } catch (e) { console.log(e.name, e.message); }
  try { await import("./assert.ts"); } catch (e) { console.log(e.name, e.message); }
}
