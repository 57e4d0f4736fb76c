export const v = "imported"; export function f() { return this === undefined ? "undef-this" : "bad"; }
