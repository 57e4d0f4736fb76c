const a = require("./a.cjs");
const data = require("./data.json");
exports.name = "lib:" + a.fromB + ":" + data.k;
exports.add = (x, y) => x + y;
