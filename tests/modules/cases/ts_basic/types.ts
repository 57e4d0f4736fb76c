export type Only = number;
export interface TypeOnly { x: 1 }
console.log("types.ts evaluated");
