import "./broken.js";
console.log("not reached");
