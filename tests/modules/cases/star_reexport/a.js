export const x = "x"; export const dup = 1; export default "no";
export * from "./d.js";
