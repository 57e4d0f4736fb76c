// expect: {"status": 500, "bodyMatch": "cpu_limit_exceeded"}
// request: {"limits": {"cpuMs": 100}}
// via: rpc:hostile-cpu-rpc/Api/spin
import { WorkerEntrypoint } from 'cloudflare:workers';
export class Api extends WorkerEntrypoint { spin() { for (;;) {} } }
export default {}
