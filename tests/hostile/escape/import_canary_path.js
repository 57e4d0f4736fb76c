// why: a module specifier naming a host file resolves only among the worker's modules
// expect: {"ok": false, "code": "module_not_found"}
import x from '{{CANARY_PATH}}';
export default () => x
