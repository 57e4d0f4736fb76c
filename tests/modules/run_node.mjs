// Semantic tests of the modules layer: runs src/modules/linker.js in a fresh node vm context
// per case, with host.compile calling the real transform (dwtransform). Each case folder
// holds module files (main.* is the entry) and expected.txt (the console output).
// Usage: node run_node.mjs DWTRANSFORM LINKER_JS CASES_DIR [CASE...]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

const [dwtransform, linkerPath, casesDir, ...only] = process.argv.slice(2);
const linkerSrc = fs.readFileSync(linkerPath, "utf8");

function listFiles(dir, prefix = "") {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel + "/"));
    else if (rel !== "expected.txt") out.push(rel);
  }
  return out;
}

async function runCase(dir) {
  const files = new Set(listFiles(dir));
  const lines = [];
  const fmt = (v) => (typeof v === "string" ? v : v instanceof Object && v[Symbol.toStringTag] === "Module" ? "[Module: " + Object.keys(v).join(",") + "]" : JSON.stringify(v) ?? String(v));
  const ctx = vm.createContext({
    console: { log: (...a) => lines.push(a.map(fmt).join(" ")) },
    setTimeout,
    __line(err, file) { // the line of `file` in the top frame of err.stack that names it
      const m = new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ":(\\d+):\\d+").exec(String(err.stack));
      return m ? Number(m[1]) : -1;
    },
  });
  const builtins = vm.runInContext(`({
    "cloudflare:workers": { WorkerEntrypoint: class WorkerEntrypoint {}, env: { A: 1 } },
  })`, ctx);
  builtins["dynworker:workers"] = builtins["cloudflare:workers"];
  const host = {
    exists: (name) => files.has(name),
    builtin: (spec) => builtins[spec],
    compile(name) {
      if (!files.has(name)) {
        const e = new Error("no module " + name);
        e.code = "module_not_found";
        throw e;
      }
      const file = path.join(dir, name), ext = path.extname(name);
      if (ext === ".json") return { kind: "json", value: vm.runInContext("JSON.parse", ctx)(fs.readFileSync(file, "utf8")) };
      if (ext === ".txt") return { kind: "text", value: fs.readFileSync(file, "utf8") };
      if (ext === ".bin") return { kind: "data", value: new Uint8Array(fs.readFileSync(file)).buffer };
      const kind = ext === ".cjs" ? "cjs" : ext === ".ts" || ext === ".mts" ? "ts" : "esm";
      let out;
      try {
        out = execFileSync(dwtransform, [kind, file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        const msg = String(e.stderr).trim().replace(/^SyntaxError: /, "");
        throw new (vm.runInContext("SyntaxError", ctx))(msg + " in " + name);
      }
      const script = out.slice(out.indexOf("\n") + 1);
      const src = fs.readFileSync(file, "utf8");
      if (script.split("\n").length !== src.split("\n").length + 1) throw new Error("line count changed for " + name);
      const fn = vm.runInContext(script, ctx, { filename: name });
      return { kind: kind === "cjs" ? "cjs" : "esm", fn };
    },
  };
  const api = vm.runInContext(linkerSrc, ctx, { filename: "linker.js" })(host);
  const main = [...files].find((f) => /^main\.(m?js|ts|cjs)$/.test(f));
  try {
    const ns = await api.importMain(main);
    if (typeof ns.run === "function") await ns.run();
  } catch (e) {
    lines.push("ERROR: " + (e && e.code ? e.code + ": " : "") + (e && e.name) + ": " + (e && e.message));
  }
  await new Promise((r) => setTimeout(r, 20));
  return lines.join("\n");
}

let failed = 0, total = 0;
for (const name of fs.readdirSync(casesDir).sort()) {
  if (only.length && !only.includes(name)) continue;
  const dir = path.join(casesDir, name);
  const expected = fs.readFileSync(path.join(dir, "expected.txt"), "utf8").trimEnd();
  total++;
  let got;
  try {
    got = (await runCase(dir)).trimEnd();
  } catch (e) {
    got = "RUNNER ERROR: " + (e && e.stack);
  }
  if (got === expected) {
    console.log("PASS " + name);
  } else {
    failed++;
    console.log("FAIL " + name + "\n--- expected\n" + expected + "\n--- got\n" + got + "\n---");
  }
}
console.log(`${total - failed}/${total} passed`);
process.exit(failed ? 1 : 0);
