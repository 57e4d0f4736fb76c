// bench/compare/expected.js GEN_DIR: the result each workload must return, computed by running
// its plain body (GEN_DIR/<w>/plain.js) under Node with the same host function (add(x) = x + 1).
// Prints {"w1": "...", ...}. Every runtime's result is checked against these.
"use strict";
const fs = require("fs");
const path = require("path");
const dir = process.argv[2];
(async () => {
  const out = {};
  for (const w of ["w1", "w2", "w3", "w4"]) {
    const src = fs.readFileSync(path.join(dir, w, "plain.js"), "utf8");
    const main = new Function(src + "\nreturn main;")();
    out[w] = await main({ add: async (x) => x + 1 });
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
