const m = require("./esm.js");
console.log(m.x, m.default, require("cloudflare:workers").env.A);
module.exports = { run() { console.log("ran"); } };
