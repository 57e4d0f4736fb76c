export let count = 0;
export function inc() { count++; }
export const obj = {};
