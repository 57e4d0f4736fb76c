export default function () { return "def"; }
export const a = 1;
export let b = "two";
