const a = require("./a.cjs");
module.exports = { sawA: a.early };
