export const y = "y"; export const dup = 2;
