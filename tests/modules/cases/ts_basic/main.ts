import { Color, Dir, Box, type Shape, greet } from "./lib.ts";
import type { Only } from "./types.ts";
import { TypeOnly } from "./types.ts";
interface Local { a: number }
type Alias<T> =
  | { kind: "a"; v: T }
  | { kind: "b" };
const s: Shape = { w: 2 } as Shape;
let n: number = 5, m!: string;
function add<T extends number>(a: T, b?: number): number { return a + (b ?? 0); }
const arrow = (x: number, y: string = "y"): string => x + y;
const gen = <T,>(x: T): T => x;
const b = new Box<number>(3, "bx");
const t: TypeOnly = null as unknown as TypeOnly;
console.log(Color.Red, Color[Color.Green], Dir.Up, Dir.Down, Color.Blue);
console.log(add<number>(1, 2), arrow(1), gen<string>("g"), b.get(), b.label, s.w!);
console.log(greet("ts"), n satisfies number);
// An async arrow inside parentheses (a model's self-invoking function), and `async` as a
// parameter name, which must stay one.
(async () => { const k: number = 7; console.log("iife", k); })();
console.log(await (async (x: number): Promise<number> => x * 2)(21), ((async: number) => async + 1)(1));
