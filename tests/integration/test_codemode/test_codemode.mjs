// Integration tests of `dynworker mcp --config FILE` as an MCP client uses it: the official
// TypeScript SDK's Client over StdioClientTransport, real upstream servers from npm
// (server-memory, server-filesystem on a temp dir, server-everything over stdio and over
// Streamable HTTP) and a fake one (fake_upstream.py) for failures; and `dynworker serve
// --mcp-config FILE` with the SDK's StreamableHTTPClientTransport (/mcp).
//   node test_codemode.mjs DYNWORKER [--in-process]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BIN = path.resolve(process.argv[2]);
const EXTRA = process.argv.includes("--in-process") ? ["--in-process"] : [];
const HERE = path.dirname(fileURLToPath(import.meta.url));
const MODS = path.join(HERE, "node_modules", "@modelcontextprotocol");
const FAKE = path.join(HERE, "fake_upstream.py");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dw-codemode-"));
const failures = [];

function check(name, cond, detail = "") {
  console.log((cond ? "ok   " : "FAIL ") + name);
  if (!cond) {
    failures.push(name);
    console.log("     " + String(detail).replace(/\n/g, "\n     ").slice(0, 3000));
  }
}

const node = (pkg, ...args) => ({ command: process.execPath, args: [path.join(MODS, pkg, "dist", "index.js"), ...args] });

async function connect(config, { elicit } = {}) {
  const file = path.join(tmp, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  const transport = new StdioClientTransport({
    command: BIN, args: ["mcp", "--config", file, ...EXTRA], stderr: "pipe",
    env: { ...process.env },
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => { stderr += d; });
  const client = new Client({ name: "dw-test", version: "1.0.0" },
                            { capabilities: elicit ? { elicitation: {} } : {} });
  if (elicit) client.setRequestHandler(ElicitRequestSchema, elicit);
  await client.connect(transport);
  const close = async () => {
    await client.close();
    await new Promise((r) => setTimeout(r, 300)); // let an exiting process finish its report
    // A sanitizer build reports on stderr: any report fails the test.
    const m = /(ERROR: (Address|Leak)Sanitizer|runtime error:|AddressSanitizer)[^\n]*/.exec(stderr);
    check("no sanitizer report from dynworker mcp", !m, m ? stderr.slice(Math.max(0, m.index - 200), m.index + 3000) : "");
  };
  return { client, close, stderr: () => stderr };
}

async function code(client, src, extra = {}) {
  const r = await client.callTool({ name: "code", arguments: { code: src, ...extra } }, undefined,
                                  { timeout: 120000 });
  return { ...r.structuredContent, isError: r.isError, text: r.content?.[0]?.text ?? "" };
}

async function main() {
  const dir = path.join(tmp, "files");
  fs.mkdirSync(dir);
  const memFile = path.join(tmp, "memory.json");
  const base = {
    mcpServers: {
      memory: { ...node("server-memory"), env: { MEMORY_FILE_PATH: memFile } },
      files: node("server-filesystem", dir),
    },
    codeMode: { tokenBudget: 100000 },
  };

  // ---- initialize, tools/list --------------------------------------------------------
  let s = await connect(base);
  const info = s.client.getServerVersion();
  check("initialize: serverInfo", info?.name === "dynworker", JSON.stringify(info));
  const { tools } = await s.client.listTools();
  check("tools/list: one tool, code", tools.length === 1 && tools[0].name === "code", JSON.stringify(tools.map((t) => t.name)));
  const d = tools[0].description;
  check("description: namespaces with typed functions",
        d.includes("declare namespace memory {") && d.includes("declare namespace files {") &&
        d.includes("function create_entities(input: CreateEntitiesInput): Promise<CreateEntitiesInput>;") &&
        d.includes("interface Entity { /** The name of the entity */ name: string;") && d.includes("function read_text_file("), d.slice(0, 2000));
  check("inputSchema: {code: string}", tools[0].inputSchema?.properties?.code?.type === "string" &&
        tools[0].inputSchema.required?.includes("code"), JSON.stringify(tools[0].inputSchema));

  // ---- TypeScript chaining several calls on two servers -------------------------------
  let r = await code(s.client, "```ts\n" +
    `const dir: string = ${JSON.stringify(dir)};\n` +
    "const names: string[] = [];\n" +
    "for (const n of ['alpha', 'beta', 'gamma']) {\n" +
    "  await files.write_file({ path: `${dir}/${n}.txt`, content: `file ${n}` });\n" +
    "  names.push(n);\n" +
    "}\n" +
    "const listing = await files.list_directory({ path: dir });\n" +
    "const text = await files.read_text_file({ path: `${dir}/beta.txt` });\n" +
    "await memory.create_entities({ entities: names.map((n) => ({ name: n, entityType: 'file', observations: [`in ${dir}`] })) });\n" +
    "await memory.create_relations({ relations: [{ from: 'alpha', to: 'beta', relationType: 'precedes' }] });\n" +
    "const graph = await memory.read_graph({});\n" +
    "console.log('entities', graph.entities.length);\n" +
    "({ text, entities: graph.entities.map((e) => e.name).sort(), relations: graph.relations.length, listing })\n" +
    "```");
  check("chained TypeScript: result", !r.isError && r.result?.text?.content === "file beta" &&
        JSON.stringify(r.result?.entities) === '["alpha","beta","gamma"]' && r.result?.relations === 1, JSON.stringify(r));
  check("chained TypeScript: the files exist", fs.existsSync(path.join(dir, "gamma.txt")));
  // The in-process runner goes through the public loader API, which returns no console lines.
  if (!EXTRA.length) check("chained TypeScript: console output returned", JSON.stringify(r.logs ?? []).includes("entities 3"), JSON.stringify(r.logs));
  check("answer: text content is the same JSON", JSON.parse(r.text).result?.relations === 1, r.text);

  // ---- shapes ----------------------------------------------------------------------------
  r = await code(s.client, "async () => {\n  const g = await memory.search_nodes({ query: 'alpha' });\n  return g.entities.length;\n}");
  check("async arrow function", r.result === 1, JSON.stringify(r));
  r = await code(s.client, "return 6 * 7;", { language: "javascript" });
  check("function body with return (javascript)", r.result === 42, JSON.stringify(r));

  // ---- a schema violation: rejected before the upstream, the field named ------------------
  r = await code(s.client, "await memory.create_entities({ entities: [{ name: 'x', entityType: 5, observations: [] }] })");
  check("schema violation: names the field", r.isError && r.error?.message?.includes("input.entities[0].entityType: expected string, got number"), JSON.stringify(r));
  r = await code(s.client, "await memory.read_graph({})\nawait memory.open_nodes({ names: 'alpha' })");
  check("schema violation: array expected", r.isError && r.error?.message?.includes("input.names: expected array, got string"), JSON.stringify(r));
  r = await code(s.client, "await memory.nope({})");
  check("unknown tool: says so", r.isError && /memory\.nope is not a tool/.test(r.error?.message ?? ""), JSON.stringify(r));

  // ---- a thrown error: the line of the model's code -------------------------------------
  r = await code(s.client, "const a = 1;\nconst b: number = 2;\nthrow new Error('boom on line 3');\n");
  check("thrown error: message", r.isError && r.error?.message === "boom on line 3", JSON.stringify(r));
  check("thrown error: line 3 of the model's code", /main\.ts:3:/.test(r.error?.stack ?? ""), JSON.stringify(r.error));
  r = await code(s.client, "```js\nconst x = 1\nconst y = 2\nnull.boom\n```");
  check("TypeError in a fenced js block: line 3", r.isError && /main\.js:3:/.test(r.error?.stack ?? ""), JSON.stringify(r.error));
  r = await code(s.client, "const a = 1\nconst = 2\n");
  check("syntax error: reported", r.isError && r.error?.code === "syntax_error", JSON.stringify(r.error));

  // ---- bad arguments: a JSON-RPC error ------------------------------------------------------
  let threw = null;
  try { await s.client.callTool({ name: "code", arguments: { code: 5 } }); } catch (e) { threw = e; }
  check("bad arguments: JSON-RPC -32602", threw && threw.code === -32602 && /arguments\.code/.test(threw.message), String(threw));
  threw = null;
  try { await s.client.callTool({ name: "other", arguments: {} }); } catch (e) { threw = e; }
  check("unknown tool name: JSON-RPC error", threw && threw.code === -32602, String(threw));
  await s.close();

  // ---- limits: wall time, tool calls, output size -------------------------------------------
  s = await connect({ mcpServers: { fake: { command: "python3", args: [FAKE] } },
                      codeMode: { wallMs: 1500, maxToolCalls: 3, maxOutputBytes: 2000 } });
  let t0 = Date.now();
  r = await code(s.client, "await new Promise((resolve) => setTimeout(resolve, 30000))");
  check("timeout: wall_limit_exceeded", r.isError && r.error?.code === "wall_limit_exceeded" && /1500 ms/.test(r.error?.message), JSON.stringify(r));
  check("timeout: answered in time", Date.now() - t0 < 15000, `${Date.now() - t0} ms`);
  r = await code(s.client, "for (let i = 0; i < 10; i++) await fake.add({ a: i, b: 1 })");
  check("maxToolCalls: refused past the cap", r.isError && /tool calls/.test(r.error?.message ?? ""), JSON.stringify(r));
  r = await code(s.client, "await fake.big({ n: 100000 })");
  check("output truncation: marker", /\[output truncated: \d+ of \d+ bytes\]/.test(r.text) && r.text.length < 2600, r.text.slice(0, 300) + ` (${r.text.length} bytes)`);
  r = await code(s.client, "for (let i = 0; i < 500; i++) console.log('line', i, 'x'.repeat(50))\n1");
  if (!EXTRA.length) check("output truncation: logs cut with a marker", r.result === 1 && /output truncated: \d+ of 500 log lines/.test(JSON.stringify(r.logs)) && r.text.length < 2600, r.text.slice(0, 300));
  r = await code(s.client, "const s = await fake.add({ a: 2, b: 3 })\nconst e = await fake.echo({ value: [1, 'x'] })\nconst g = await fake.greet({ name: 'ada' })\n({ s, e, g })");
  check("result forms: JSON text, structuredContent, plain text",
        JSON.stringify(r.result) === '{"s":{"sum":5},"e":{"echo":[1,"x"]},"g":"hello, ada"}', JSON.stringify(r));
  r = await code(s.client, "try { await fake.fail({}) } catch (e) { return 'caught: ' + e.message }");
  check("isError of a tool: a rejection the code can catch", /caught: fake\.fail failed: the fake tool failed on purpose/.test(r.result ?? ""), JSON.stringify(r));
  await s.close();

  // ---- an upstream that dies mid-call, restarted on the next use ---------------------------
  const starts = path.join(tmp, "starts.txt");
  s = await connect({ mcpServers: { fake: { command: "python3", args: [FAKE], env: { FAKE_STARTS: starts } } } });
  r = await code(s.client, "await fake.add({ a: 1, b: 1 })\nawait fake.die({})");
  check("upstream dies mid-call: a clear error", r.isError && /upstream 'fake' exited with status 3/.test(r.error?.message ?? ""), JSON.stringify(r));
  r = await code(s.client, "(await fake.add({ a: 20, b: 22 })).sum");
  check("dead upstream restarted on the next call", r.result === 42, JSON.stringify(r));
  check("restart: the server was started twice", fs.readFileSync(starts, "utf8").split("\n").filter(Boolean).length === 2);
  await s.close();

  // ---- an unreachable upstream: said in the description and in calls ----------------------
  s = await connect({ mcpServers: { gone: { command: path.join(tmp, "no-such-server") }, fake: { command: "python3", args: [FAKE] } } });
  const d2 = (await s.client.listTools()).tools[0].description;
  check("unreachable upstream: in the description", /gone.*unreachable/.test(d2), d2.slice(-600));
  r = await code(s.client, "await fake.add({ a: 1, b: 2 })");
  check("unreachable upstream: the others work", r.result?.sum === 3, JSON.stringify(r));
  r = await code(s.client, "await gone.anything({})");
  check("unreachable upstream: a call says so", r.isError && /upstream 'gone' is unreachable: cannot run/.test(r.error?.message ?? ""), JSON.stringify(r));
  await s.close();

  // ---- over the token budget: names only, search and describe -------------------------------
  s = await connect({ ...base, codeMode: { tokenBudget: 50 } });
  const d3 = (await s.client.listTools()).tools[0].description;
  check("over budget: search/describe declared, no types", d3.includes("declare function search(") &&
        d3.includes("declare function describe(") && !d3.includes("CreateEntitiesInput"), d3.slice(0, 1500));
  r = await code(s.client, "const found = await search('relations graph')\nconst decl = await describe(found[0].name)\n({ first: found[0].name, decl })");
  check("over budget: search() then describe()", typeof r.result?.decl === "string" && r.result.decl.includes("declare namespace memory") &&
        /relations/.test(r.result.first), JSON.stringify(r).slice(0, 800));
  await s.close();

  // A server named like a helper keeps its namespace; the other helper still works.
  s = await connect({ mcpServers: { search: { command: "python3", args: [FAKE] } }, codeMode: { tokenBudget: 1 } });
  r = await code(s.client, "const a = await search.add({ a: 1, b: 2 })\nconst d = await describe('search.add')\n({ a, d })");
  check("over budget: a server named search keeps its namespace", r.result?.a?.sum === 3 && /function add\(/.test(r.result?.d ?? ""), JSON.stringify(r));
  await s.close();

  // ---- approval by elicitation --------------------------------------------------------------
  let asked = [];
  const approvalCfg = { mcpServers: { fake: { command: "python3", args: [FAKE] } }, codeMode: { approval: ["fake.add"] } };
  s = await connect(approvalCfg, { elicit: async (req) => { asked.push(req.params.message); return { action: asked.length === 1 ? "accept" : "decline" }; } });
  r = await code(s.client, "(await fake.add({ a: 1, b: 2 })).sum");
  check("approval: accepted, the call proceeds", r.result === 3 && asked.length === 1 && /fake\.add/.test(asked[0]), JSON.stringify({ r, asked }));
  r = await code(s.client, "await fake.add({ a: 1, b: 2 })");
  check("approval: declined, the call is refused", r.isError && /not approved/.test(r.error?.message ?? ""), JSON.stringify(r));
  r = await code(s.client, "await fake.greet({ name: 'x' })");
  check("approval: other tools need none", r.result === "hello, x" && asked.length === 2, JSON.stringify(r));
  await s.close();
  s = await connect(approvalCfg);
  r = await code(s.client, "await fake.add({ a: 1, b: 2 })");
  check("approval: a client without elicitation is told clearly", r.isError && /elicitation/.test(r.error?.message ?? ""), JSON.stringify(r));
  await s.close();

  // ---- Streamable HTTP upstream (server-everything) ----------------------------------------
  const port = await freePort();
  const everything = spawn(process.execPath, [path.join(MODS, "server-everything", "dist", "index.js"), "streamableHttp"],
                           { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  try {
    await waitFor(async () => { try { await fetch(`http://127.0.0.1:${port}/mcp`, { method: "GET" }); return true; } catch { return false; } }, 15000);
    s = await connect({ mcpServers: { everything: { url: `http://127.0.0.1:${port}/mcp` } }, codeMode: { tokenBudget: 100000 } });
    const d4 = (await s.client.listTools()).tools[0].description;
    check("Streamable HTTP upstream: listed", d4.includes("declare namespace everything {") && d4.includes("function echo("), d4.slice(-800));
    const typesCfg = path.join(tmp, "types-http.json");
    fs.writeFileSync(typesCfg, JSON.stringify({ mcpServers: { everything: { url: `http://127.0.0.1:${port}/mcp` } } }));
    const types = spawnSync(BIN, ["types", "--config", typesCfg], { encoding: "utf8", timeout: 30000 });
    check("dynworker types over Streamable HTTP", types.status === 0 && types.stdout.includes("declare namespace everything {") &&
          types.stdout.includes("function get_sum("), `${types.status}\n${types.stderr}\n${(types.stdout ?? "").slice(0, 500)}`);
    r = await code(s.client, "const a = await everything.echo({ message: 'over http' })\nconst b = await everything.get_sum({ a: 2, b: 40 })\n({ a, b })");
    check("Streamable HTTP upstream: calls", JSON.stringify(r.result ?? "").includes("over http") && JSON.stringify(r.result ?? "").includes("42"), JSON.stringify(r));
    await s.close();
  } finally {
    everything.kill("SIGKILL");
  }

  // The daemon's /mcp runs on the supervisor's executors: no in-process variant.
  if (!EXTRA.length) await overHttp(base);
}

// ---- dynworker serve --mcp-config: Code Mode at /mcp over Streamable HTTP ---------------------
async function overHttp(base) {
  const port = await freePort();
  const cfgFile = path.join(tmp, "serve-mcp.json");
  fs.writeFileSync(cfgFile, JSON.stringify({
    mcpServers: { ...base.mcpServers, fake: { command: "python3", args: [FAKE] } },
    codeMode: { tokenBudget: 100000, approval: ["fake.add"] },
  }));
  const tokenFile = path.join(tmp, "token");
  fs.writeFileSync(tokenFile, "s3cret-token\n");
  // timeoutSeconds 2: a stream waiting longer for the user's approval lives on keep-alives.
  fs.writeFileSync(path.join(tmp, "serve.json"), JSON.stringify({ timeoutSeconds: 2, tokens: { "tok-acme": "acme" }, mcp: { maxSessions: 3, maxBodyBytes: 65536 } }));
  const daemon = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--executors", "1", "--data-dir", path.join(tmp, "data"),
                             "--token-file", tokenFile, "--mcp-config", cfgFile, "--config", path.join(tmp, "serve.json")],
                       { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  daemon.stderr.on("data", (d) => { stderr += d; });
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const auth = { Authorization: "Bearer s3cret-token" };
  const post = (body, headers = {}) => fetch(url, { method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers } });
  const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
  const connectHttp = async (headers, elicit) => {
    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
    const client = new Client({ name: "dw-http-test", version: "1.0.0" }, { capabilities: elicit ? { elicitation: {} } : {} });
    if (elicit) client.setRequestHandler(ElicitRequestSchema, elicit);
    await client.connect(transport);
    return { client, transport };
  };
  try {
    await waitFor(async () => { try { await fetch(`http://127.0.0.1:${port}/healthz`); return true; } catch { return false; } }, 30000);

    // The token check, as for /v1.
    let res = await post(init);
    check("http /mcp: no token -> 401", res.status === 401 && res.headers.get("www-authenticate")?.startsWith("Bearer"), `${res.status}`);
    res = await post(init, { Authorization: "Bearer wrong" });
    check("http /mcp: a wrong token -> 401", res.status === 401, `${res.status}`);
    let threw = null;
    try { await connectHttp({}); } catch (e) { threw = e; }
    check("http /mcp: the SDK without the token is refused", threw && /401|nauthorized/.test(String(threw)), String(threw));

    // initialize, tools/list and a `code` call chaining tool calls on server-memory.
    const { client, transport } = await connectHttp(auth);
    check("http /mcp: initialize gives a session id", /^[0-9a-f]{32}$/.test(transport.sessionId ?? ""), transport.sessionId);
    check("http /mcp: serverInfo", client.getServerVersion()?.name === "dynworker", JSON.stringify(client.getServerVersion()));
    const { tools } = await client.listTools();
    check("http /mcp: tools/list: code with the typed API", tools.length === 1 && tools[0].name === "code" &&
          tools[0].description.includes("declare namespace memory {"), JSON.stringify(tools.map((t) => t.name)));
    let r = await code(client,
      "await memory.create_entities({ entities: [{ name: 'http-a', entityType: 'node', observations: ['one'] }, { name: 'http-b', entityType: 'node', observations: [] }] })\n" +
      "await memory.create_relations({ relations: [{ from: 'http-a', to: 'http-b', relationType: 'links' }] })\n" +
      "await memory.add_observations({ observations: [{ entityName: 'http-b', contents: ['two'] }] })\n" +
      "const g = await memory.open_nodes({ names: ['http-a', 'http-b'] })\n" +
      "({ names: g.entities.map((e) => e.name).sort(), relations: g.relations.length, obs: g.entities.find((e) => e.name === 'http-b').observations })");
    check("http /mcp: code chaining calls on server-memory", JSON.stringify(r.result) === '{"names":["http-a","http-b"],"relations":1,"obs":["two"]}', JSON.stringify(r));
    r = await code(client, "await memory.open_nodes({ names: 'x' })");
    check("http /mcp: schema violations as over stdio", r.isError && /input\.names: expected array/.test(r.error?.message ?? ""), JSON.stringify(r));

    // A token bound to a tenant: the session's code runs on that tenant's executors (tenants
    // never share a process), which start on first use.
    const health = async () => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).executors;
    const before = await health();
    const acme = await connectHttp({ Authorization: "Bearer tok-acme" });
    r = await code(acme.client, "(await memory.search_nodes({ query: 'http-a' })).entities.length");
    const after = await health();
    check("http /mcp: a tenant's token runs on that tenant's executors", r.result === 1 && after === before + 1, JSON.stringify({ r, before, after }));
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping" }, { Authorization: "Bearer tok-acme", "Mcp-Session-Id": transport.sessionId });
    check("http /mcp: another tenant's session is not found", res.status === 404, `${res.status}`);
    await acme.client.close().catch(() => {});

    // Requests that break the transport's rules.
    const sid = transport.sessionId;
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping" }, auth);
    check("http /mcp: no Mcp-Session-Id after initialize -> 400", res.status === 400, `${res.status}`);
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping" }, { ...auth, "Mcp-Session-Id": "0".repeat(32) });
    check("http /mcp: an unknown session -> 404", res.status === 404, `${res.status}`);
    res = await post({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1 } }, { ...auth, "Mcp-Session-Id": sid });
    check("http /mcp: a notification -> 202", res.status === 202, `${res.status}`);
    res = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
                             headers: { ...auth, "Content-Type": "application/json", Accept: "application/json", "Mcp-Session-Id": sid } });
    check("http /mcp: Accept without text/event-stream -> 406", res.status === 406, `${res.status}`);
    res = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
                             headers: { ...auth, "Content-Type": "application/json", Accept: "text/event-stream", "Mcp-Session-Id": sid } });
    const sse = await res.text();
    check("http /mcp: Accept text/event-stream alone -> the answer as a stream", res.status === 200 &&
          res.headers.get("content-type") === "text/event-stream" && /^event: message\ndata: \{"jsonrpc":"2.0","id":9,"result":\{\}\}/m.test(sse), `${res.status} ${sse}`);
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping", params: { pad: "x".repeat(70000) } }, { ...auth, "Mcp-Session-Id": sid });
    check("http /mcp: a body over mcp.maxBodyBytes -> 413", res.status === 413, `${res.status}`);
    res = await post([{ jsonrpc: "2.0", id: 9, method: "ping" }], { ...auth, "Mcp-Session-Id": sid });
    check("http /mcp: a batch -> 400 with a JSON-RPC error", res.status === 400 && (await res.json()).error?.code === -32600, `${res.status}`);
    res = await fetch(url, { method: "GET", headers: { ...auth, Accept: "text/event-stream" } });
    check("http /mcp: GET (no server stream) -> 405", res.status === 405, `${res.status}`);
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping" }, { ...auth, "Mcp-Session-Id": sid, Origin: "http://evil.example" });
    check("http /mcp: a foreign Origin -> 403", res.status === 403, `${res.status}`);

    // Approval: the elicitation goes out on the call's SSE stream, the answer is POSTed back.
    const asked = [];
    const e = await connectHttp(auth, async (req) => {
      asked.push(req.params.message);
      if (asked.length === 1) await new Promise((res) => setTimeout(res, 4500)); // past timeoutSeconds
      return { action: asked.length === 1 ? "accept" : "decline" };
    });
    r = await code(e.client, "(await fake.add({ a: 1, b: 2 })).sum");
    check("http /mcp: approval accepted over SSE (after 4.5 s, the stream kept alive)", r.result === 3 && asked.length === 1 && /fake\.add/.test(asked[0]), JSON.stringify({ r, asked }));
    r = await code(e.client, "await fake.add({ a: 1, b: 2 })");
    check("http /mcp: approval declined", r.isError && /not approved/.test(r.error?.message ?? ""), JSON.stringify(r));

    // Sessions are bounded (mcp.maxSessions 3): the least recently used idle one makes room.
    const extra = [];
    for (let i = 0; i < 3; i++) extra.push(await connectHttp(auth));
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping" }, { ...auth, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18" });
    check("http /mcp: past maxSessions the oldest idle session ended", res.status === 404, `${res.status}`);
    const last = extra[2];
    check("http /mcp: the newest session works", (await last.client.listTools()).tools.length === 1);

    // DELETE ends a session.
    const lsid = last.transport.sessionId;
    await last.transport.terminateSession();
    res = await post({ jsonrpc: "2.0", id: 9, method: "ping" }, { ...auth, "Mcp-Session-Id": lsid });
    check("http /mcp: DELETE ended the session", res.status === 404, `${res.status}`);
    for (const x of [e, ...extra]) await x.client.close().catch(() => {});
    await client.close().catch(() => {});
  } finally {
    daemon.kill("SIGTERM");
    const code = await new Promise((resolve) => { daemon.on("exit", (c) => resolve(c)); setTimeout(() => resolve("timeout"), 15000); });
    check("http /mcp: the daemon drains and exits 0", code === 0, `${code}\n${stderr.slice(-2000)}`);
    const m = /(ERROR: (Address|Leak)Sanitizer|runtime error:|AddressSanitizer)[^\n]*/.exec(stderr);
    check("no sanitizer report from dynworker serve", !m, m ? stderr.slice(Math.max(0, m.index - 200), m.index + 3000) : "");
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    srv.on("error", reject);
  });
}

async function waitFor(fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await new Promise((r) => setTimeout(r, 100)); }
  throw new Error("timed out waiting");
}

try {
  await main();
} catch (e) {
  failures.push("exception");
  console.log("FAIL exception: " + (e?.stack ?? e));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failures.length ? `\n${failures.length} FAILED: ${failures.join(", ")}` : "\nall passed");
process.exit(failures.length ? 1 : 0);
