import "./c.js";
console.log("b");
