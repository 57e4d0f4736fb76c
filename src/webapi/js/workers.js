// The `cloudflare:workers` module object: the base classes a worker's exports extend.
(function (H, P, load) {
  'use strict';
  const { Object, Symbol } = P;
  class WorkerEntrypoint {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  }
  class DurableObject {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  }
  class WorkflowEntrypoint {
    constructor(ctx, env) {
      this.ctx = ctx;
      this.env = env;
    }
  }
  class RpcTarget {}
  const ns = Object.freeze({ __proto__: null, WorkerEntrypoint, DurableObject, WorkflowEntrypoint,
    RpcTarget, [Symbol.toStringTag]: 'Module' });
  return { __proto__: null, 'cloudflare:workers': ns };
})
