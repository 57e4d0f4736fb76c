import { thrower } from "./lib.js";
// a comment line

try {
  thrower();
} catch (e) {
  console.log("lib line", __line(e, "lib.js"), "main line", __line(e, "main.js"));
}
try { null.x; } catch (e) { console.log("main line", __line(e, "main.js")); }
