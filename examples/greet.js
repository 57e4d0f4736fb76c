export function greet(name) {
  return `hello, ${name}, from a fresh sandbox`;
}
