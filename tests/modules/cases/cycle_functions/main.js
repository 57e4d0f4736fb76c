import { isEven } from "./even.js";
import { A } from "./a.js";
console.log(isEven(10), isEven(7));
console.log(new A().hello());
