// A Cloudflare-style module worker: `dynworker run examples/hello.js --env NAME=world`
import { greet } from "./greet.js";

export default {
  async fetch(request, env, ctx) {
    console.log("handling", request.method, request.url);
    return new Response(greet(env.NAME ?? "stranger") + "\n", {
      headers: { "content-type": "text/plain" },
    });
  },
};
