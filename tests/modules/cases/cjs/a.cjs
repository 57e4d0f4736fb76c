exports.early = "early";
const b = require("./b.cjs");
exports.fromB = b.sawA;
