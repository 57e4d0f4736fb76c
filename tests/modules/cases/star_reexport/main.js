import { x, y, z, renamed, all, deep } from "./hub.js";
import * as hub from "./hub.js";
console.log(x, y, z, renamed, all.q, deep);
console.log(Object.keys(hub).join(","));
