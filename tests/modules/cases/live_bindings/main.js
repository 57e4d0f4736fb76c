import { count, inc, obj } from "./counter.js";
import * as c from "./counter.js";
console.log(count, c.count);
inc(); inc();
console.log(count, c.count);
const show = () => count;
inc();
console.log(show(), `${count}!`, { count }.count);
try { c.count = 5; } catch (e) { console.log(e.constructor.name); }
