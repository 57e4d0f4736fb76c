export const q = "q"; export default "zdef";
