export const x = "x"; export default "d";
