import { nothere } from "./lib.js";
console.log("never");
