export function thrower() {

  throw new Error("here");
}
