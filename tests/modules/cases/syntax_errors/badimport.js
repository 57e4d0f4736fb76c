import { a from "./x.js";
