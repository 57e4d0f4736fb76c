import "./broken.js";
