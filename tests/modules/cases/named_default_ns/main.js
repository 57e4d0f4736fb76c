import def, { a, b as bee } from "./lib.js";
import * as ns from "./lib.js";
console.log(def(), a, bee);
console.log(Object.keys(ns).join(","), ns[Symbol.toStringTag], Object.isExtensible(ns));
console.log(ns.default === def, Object.getPrototypeOf(ns) === null);
