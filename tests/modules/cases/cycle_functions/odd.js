import { isEven } from "./even.js";
export function isOdd(n) { return n === 0 ? false : isEven(n - 1); }
console.log("odd evaluated; isEven is", typeof isEven);
