// why: props are the host's grant: the caller cannot replace or pass them
// expect: {"ok": true, "result": {"who": "granted"}}
// request: {"env": {"SVC": {"$worker": "props-callee", "entrypoint": "Api", "props": {"who": "granted"}}}}
// setup: {"workers": {"props-callee": {"code": "import { WorkerEntrypoint } from 'cloudflare:workers';\nexport class Api extends WorkerEntrypoint { props() { return this.ctx.props } }\nexport default {}"}}}
export default async (env) => { const svc = env.SVC; try { svc.props = () => ({ who: 'forged' }) } catch (e) {} try { svc.ctx = { props: { who: 'forged' } } } catch (e) {} return await svc.props({ who: 'forged' }) }
