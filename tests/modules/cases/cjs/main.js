import lib, { add } from "./lib.cjs";
import json from "./data.json";
import text from "./note.txt";
console.log(lib.name, add(2, 3), json.k, text.trim());
