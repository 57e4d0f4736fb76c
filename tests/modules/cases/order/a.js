import "./c.js";
console.log("a");
