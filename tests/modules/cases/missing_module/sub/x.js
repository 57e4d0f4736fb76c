import { a } from "../missing.js";
