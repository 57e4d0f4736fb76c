import { WorkerEntrypoint, env } from "cloudflare:workers";
import * as w from "dynworker:workers";
class My extends WorkerEntrypoint {}
console.log(typeof WorkerEntrypoint, env.A, w.WorkerEntrypoint === WorkerEntrypoint, new My() instanceof WorkerEntrypoint);
