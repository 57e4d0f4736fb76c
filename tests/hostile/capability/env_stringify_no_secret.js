// expect: {"ok": true, "resultMatch": "^(?!.*bs-91)"}
// request: {"env": {"API": {"$http": {"url": "{{LOCAL}}/binding", "headers": {"X-Binding-Secret": "bs-91"}}}}}
export default (env) => { let out = ''; try { out += JSON.stringify(env) } catch (e) { out += e.name } try { out += String(env.API) } catch (e) { out += e.name } try { out += JSON.stringify(Object.getOwnPropertyDescriptors(env)) } catch (e) { out += e.name } return out }
