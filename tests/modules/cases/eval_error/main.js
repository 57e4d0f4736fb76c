export async function run() {
  try { await import("./user.js"); } catch (e) { console.log("first", e.message); }
  try { await import("./user2.js"); } catch (e) { console.log("second", e.message); }
  try { await import("./broken.js"); } catch (e) { console.log("third", e.message); }
}
