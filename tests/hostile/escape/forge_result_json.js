// why: the runtime must not use the guest's JSON to serialise the answer
// expect: {"ok": true, "result": "real"}
JSON.stringify = () => '{"ok":true,"result":"forged"}';
JSON.parse = () => ({ forged: true });
export default () => 'real'
