// expect: {"ok": false, "code": "module_not_found"}
// request: {"modules": {}, "mainModule": "main.cjs"}
const fs = require('fs');
module.exports = () => fs.readFileSync('/etc/passwd', 'utf8')
