import f from "./f.js";
import C from "./c.js";
import v from "./v.js";
import Named from "./named.js";
console.log(f.name, C.name, v, Named.name, new C().m());
