// why: a binding that is not in env does not exist
// expect: {"ok": false, "code": "uncaught_exception", "errorMatch": "undefined|not an object"}
export default async (env) => env.DB.query('select 1')
