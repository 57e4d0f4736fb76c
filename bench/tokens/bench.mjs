// Token benchmark: classic tool calling vs Code Mode, counted with a real tokenizer
// (gpt-tokenizer, o200k_base). Accounting: README.md.
//   node bench.mjs DYNWORKER [--json OUT] [--markdown OUT]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { catalog, toolCount } from "./fixtures/catalog.mjs";
import { TASKS, memorySeed, seedNotes } from "./tasks.mjs";

const BIN = path.resolve(process.argv[2]);
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
const HERE = path.dirname(fileURLToPath(import.meta.url));
const MODS = path.join(HERE, "node_modules", "@modelcontextprotocol");
// A fixed place: the paths in the tool calls and results are part of what is counted, so they
// stay the same from run to run (one run at a time).
const tmp = path.join(os.tmpdir(), "dw-bench-tokens");
fs.rmSync(tmp, { recursive: true, force: true });
fs.mkdirSync(tmp);
const NOTES = path.join(tmp, "notes");
const MEMORY = path.join(tmp, "memory.jsonl");

const T = (s) => encode(s).length;
const MSG = 4; // tokens of one message's framing (role and delimiters, as in ChatML)
const SYSTEM = "You are a helpful assistant. Use the tools to do what the user asks, then answer briefly.";

// ---- the servers -------------------------------------------------------------------------------
function serverEntry(name, kind) {
  if (kind === "server-memory") return { command: process.execPath, args: [path.join(MODS, "server-memory", "dist", "index.js")], env: { MEMORY_FILE_PATH: MEMORY } };
  if (kind === "server-filesystem") return { command: process.execPath, args: [path.join(MODS, "server-filesystem", "dist", "index.js"), NOTES] };
  return { command: process.execPath, args: [path.join(HERE, "fixtures", "server.mjs"), name] };
}
function serversOf(task) {
  const s = task.servers === "catalog" ? Object.fromEntries(Object.keys(catalog).map((k) => [k, "fixture"])) : task.servers;
  return Object.fromEntries(Object.entries(s).map(([name, kind]) => [name, serverEntry(name, kind)]));
}

// Fresh data for each run: both modes see the same.
async function prepare() {
  seedNotes(NOTES);
  fs.rmSync(MEMORY, { force: true });
  const c = await connect(serverEntry("memory", "server-memory"));
  await c.callTool({ name: "create_entities", arguments: { entities: memorySeed.entities } });
  await c.callTool({ name: "create_relations", arguments: { relations: memorySeed.relations } });
  await c.close();
}

async function connect(entry) {
  const client = new Client({ name: "bench-tokens", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ ...entry, env: { ...process.env, ...(entry.env ?? {}) }, stderr: "ignore" }));
  return client;
}

// What a model reads of a tool result: its text content (what MCP clients pass on).
const resultText = (r) => (r.content ?? []).map((c) => (c.type === "text" ? c.text : JSON.stringify(c))).join("\n");

// ---- classic tool calling ------------------------------------------------------------------------
// Tool definitions as a model API takes them (name, description, JSON Schema), the names
// prefixed with the server as MCP clients do (server__tool).
async function classicRun(task) {
  await prepare();
  const servers = serversOf(task);
  const clients = {}, defs = [];
  for (const [name, entry] of Object.entries(servers)) {
    clients[name] = await connect(entry);
    for (const t of (await clients[name].listTools()).tools)
      defs.push({ name: `${name}__${t.name}`, description: t.description ?? "", input_schema: t.inputSchema });
  }
  const groups = [];
  const calls = async (list) => {
    const g = [];
    for (const [server, tool, args] of list) {
      const r = await clients[server].callTool({ name: tool, arguments: args }, undefined, { timeout: 60000 });
      g.push({ call: JSON.stringify({ name: `${server}__${tool}`, arguments: args }), result: resultText(r) });
    }
    groups.push(g);
    return g.map((x) => x.result);
  };
  await task.classic(calls, { notes: NOTES });
  for (const c of Object.values(clients)) await c.close();
  return { defs: JSON.stringify(defs), ntools: defs.length, groups };
}

// Tokens of a conversation: every turn reads the system prompt, the tool definitions, the
// user's prompt and everything said so far, and writes its tool calls (or the final answer).
function account(defsText, prompt, turns, final) {
  const fixed = T(SYSTEM) + MSG + T(defsText) + T(prompt) + MSG;
  let read = 0, write = 0, history = 0;
  for (const t of turns) {
    read += fixed + history;
    const out = t.calls.reduce((n, c) => n + T(c) + MSG, 0);
    write += out;
    history += out + t.results.reduce((n, r) => n + T(r) + MSG, 0);
  }
  read += fixed + history;
  write += T(final) + MSG;
  return { read, write, total: read + write, upfront: T(defsText), turns: turns.length + 1 };
}

// ---- Code Mode ---------------------------------------------------------------------------------
async function codeModeRun(task, budget) {
  await prepare();
  const cfg = path.join(tmp, "codemode.json");
  fs.writeFileSync(cfg, JSON.stringify({ mcpServers: serversOf(task), codeMode: budget ? { tokenBudget: budget } : {} }));
  const client = await connect({ command: BIN, args: ["mcp", "--config", cfg] });
  const [tool] = (await client.listTools()).tools;
  const turns = [];
  for (const code of task.code) {
    const src = code.replaceAll("NOTES", JSON.stringify(NOTES));
    const r = await client.callTool({ name: "code", arguments: { code: src } }, undefined, { timeout: 120000 });
    if (r.isError) throw new Error(`${task.name}: the code failed: ${resultText(r).slice(0, 2000)}`);
    turns.push({ calls: [JSON.stringify({ name: "code", arguments: { code: src } })], results: [resultText(r)] });
  }
  await client.close();
  const def = JSON.stringify([{ name: tool.name, description: tool.description, input_schema: tool.inputSchema }]);
  return { def, turns, overBudget: tool.description.includes("declare function search(") };
}

// ---- main --------------------------------------------------------------------------------------
const rows = [];
try {
  for (const task of TASKS) {
    const prompt = task.prompt.replaceAll("NOTES", NOTES);
    const classic = await classicRun(task);
    const final = task.final.replaceAll("NOTES", NOTES);
    const seq = account(classic.defs, prompt, classic.groups.flatMap((g) => g.map((c) => ({ calls: [c.call], results: [c.result] }))), final);
    const par = account(classic.defs, prompt, classic.groups.map((g) => ({ calls: g.map((c) => c.call), results: g.map((c) => c.result) })), final);
    const cm = await codeModeRun(task);
    const code = account(cm.def, prompt, cm.turns, final);
    rows.push({ task: task.name, tools: classic.ntools, calls: classic.groups.flat().length, classic: seq, parallel: par, codeMode: code,
                overBudget: cm.overBudget, saving: 1 - code.total / seq.total, savingParallel: 1 - code.total / par.total,
                codeResults: cm.turns.map((t) => t.results[0]) });
    if (process.env.BENCH_VERBOSE) console.error(JSON.stringify(rows.at(-1), null, 1).slice(0, 4000));
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const fmt = (n) => n.toLocaleString("en-US");
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const lines = [
  "| task | tools | tool calls | classic | classic, parallel calls | Code Mode | saving vs classic | saving vs parallel | Code Mode up front |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.task} | ${r.tools} | ${r.calls} | ${fmt(r.classic.total)} | ${fmt(r.parallel.total)} | ${fmt(r.codeMode.total)} | ${pct(r.saving)} | ${pct(r.savingParallel)} | ${fmt(r.codeMode.upfront)}${r.overBudget ? " (names + search/describe)" : ""} |`),
];
const avg = rows.reduce((a, r) => a + r.saving, 0) / rows.length, avgP = rows.reduce((a, r) => a + r.savingParallel, 0) / rows.length;
lines.push(`| **average** | | | | | | **${pct(avg)}** | **${pct(avgP)}** | |`);
const table = lines.join("\n");
console.log(`Tokens a model reads and writes per task (o200k_base, gpt-tokenizer; ${new Date().toISOString().slice(0, 10)}):\n`);
console.log(table);
const cat = rows.find((r) => r.tools >= 100);
const cal = rows.find((r) => r.task.startsWith("calendar"));
const goals = [
  [`calendar task saves >= 81%`, cal && cal.saving >= 0.81, cal && pct(cal.saving)],
  [`average saving >= 90%`, avg >= 0.9, pct(avg)],
  [`>= 100-tool catalog costs <= 1,500 tokens up front`, cat && cat.codeMode.upfront <= 1500, cat && `${fmt(cat.codeMode.upfront)} tokens for ${cat.tools} tools`],
];
console.log("\nGoals:");
for (const [g, ok, v] of goals) console.log(`  ${ok ? "met    " : "NOT MET"}  ${g}: ${v}`);
if (arg("--json")) fs.writeFileSync(arg("--json"), JSON.stringify({ date: new Date().toISOString(), toolsInCatalog: toolCount, rows, goals }, null, 1));
if (arg("--markdown")) fs.writeFileSync(arg("--markdown"), table + "\n");
