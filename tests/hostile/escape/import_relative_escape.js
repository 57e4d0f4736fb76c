// expect: {"ok": false, "code": "module_not_found"}
import x from '../../../../../../etc/passwd';
export default () => x
