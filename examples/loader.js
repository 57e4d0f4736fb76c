// A parent worker that loads AI-written code into dynamic workers (docs/LOADER.md):
//   build/dynworker run examples/loader.js --loader LOADER
import { WorkerEntrypoint } from "cloudflare:workers";

// A capability the parent hands to its children: they may call it, never see its props.
export class Notes extends WorkerEntrypoint {
  save(text) { return `saved "${text}" for ${this.ctx.props.user}`; }
}

const generated = `
  export default {
    async fetch(request, env) {
      const saved = await env.NOTES.save("buy milk");
      let network;
      try { await fetch("https://example.com/"); network = "reached"; }
      catch (e) { network = "blocked (" + e.name + ")"; }
      return Response.json({ saved, network, url: request.url });
    },
  };`;

export default {
  async fetch(request, env, ctx) {
    const child = env.LOADER.get("generated-v1", async () => ({
      compatibilityDate: "2026-01-01",
      mainModule: "main.js",
      modules: { "main.js": generated },
      env: { NOTES: ctx.exports.Notes({ props: { user: "ada" } }) },
      globalOutbound: null,
      limits: { cpuMs: 50 },
    }));
    const answer = await (await child.getEntrypoint().fetch(request)).json();

    // A child that never stops is ended at its limit; the parent goes on.
    const runaway = env.LOADER.load({
      compatibilityDate: "2026-01-01",
      modules: { "spin.js": "export default { spin() { for (;;) {} } }" },
      limits: { cpuMs: 20 },
    });
    let stopped;
    try { await runaway.getEntrypoint().spin(); } catch (e) { stopped = `${e.code}: ${e.message}`; }
    return Response.json({ answer, stopped }, { headers: { "x-demo": "loader" } });
  },
};
