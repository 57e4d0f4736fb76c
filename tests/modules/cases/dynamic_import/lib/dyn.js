import { h } from "../util/h.js";
export default "dyn";
export function helper() { return h + " " + import.meta.url; }
