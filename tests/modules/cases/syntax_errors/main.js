export async function run() {
  for (const f of ["./dup.js", "./yield.js", "./ret.js", "./unclosed.js", "./badimport.js"]) {
    try { await import(f); } catch (e) { console.log(e.name, e.message); }
  }
}
