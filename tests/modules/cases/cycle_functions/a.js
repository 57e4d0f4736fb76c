import { B } from "./b.js";
export class A { hello() { return "A>" + new B().name(); } }
