console.log("never either"); export const here = 1;
