export * from "./a.js";
export * from "./b.js";
export { q as renamed } from "./c.js";
export * as all from "./c.js";
export { default as z } from "./c.js";
