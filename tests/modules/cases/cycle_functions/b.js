import { A } from "./a.js";
export class B { name() { return "B sees A: " + typeof A; } }
