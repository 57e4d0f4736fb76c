export const h = "h";
