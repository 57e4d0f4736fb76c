import "./sub/x.js";
