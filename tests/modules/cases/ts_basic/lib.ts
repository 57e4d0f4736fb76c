export enum Color { Red, Green = 5, Blue }
export const enum Dir {
  Up = "UP",
  Down = "DOWN",
}
export interface Shape { w: number }
export type Thing = string | number;
export abstract class Base<T> { abstract get(): T; protected readonly x: number = 1; }
export class Box<T> extends Base<T> implements Shape {
  w: number = 0;
  declare extra: string;
  [key: string]: any;
  constructor(private value: T, public label: string) { super(); }
  get(): T { return this.value; }
  over(a: string): void;
  over(a: number): void;
  over(a: any): void {}
}
export function greet(name: string): string;
export function greet(name: any): string { return "hi " + name; }
