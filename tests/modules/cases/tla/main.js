import { v } from "./slow.js";
import "./sync.js";
console.log("main sees", v);
