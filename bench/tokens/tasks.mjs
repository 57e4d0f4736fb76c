// The benchmark's tasks. Each has: the user's prompt, the MCP servers it uses, how to prepare
// their data (not counted), the classic run (`calls([...])` makes tool calls the model would
// make in one turn; one group per turn when the model can call in parallel, one call per turn
// otherwise), the Code Mode run (the code the model writes, one string per `code` call), and
// the model's final answer (the same in both modes).
import fs from "node:fs";
import path from "node:path";

const TOPICS = ["Roadmap kickoff", "Hiring plan", "Q1 OKR review", "Onboarding revamp", "Incident retro: Jan outage",
  "Pricing experiment", "Design system v2", "Customer advisory board", "Security audit prep", "Mobile release train",
  "Data retention policy", "Q1 metrics deep dive", "Partner integrations", "Docs sprint", "Q2 planning",
  "Infra cost review", "Accessibility audit", "Support escalations", "Offsite agenda", "API deprecations",
  "Growth funnel review", "Performance week", "Quarterly business review", "Localization rollout", "Beta feedback triage",
  "Compliance checklist", "Team health survey", "Summer interns", "Launch readiness", "H1 retrospective", "H2 goals"];

const ATTENDEES = [{ email: "ana.lima@acme.example" }, { email: "bo.chen@acme.example" }, { email: "carla.diaz@acme.example", optional: true }];

function weekStart(i) {
  const d = new Date(Date.UTC(2027, 0, 4 + 7 * i));
  return d.toISOString().slice(0, 10);
}

export const calendar = {
  name: "calendar: 31 weekly events",
  prompt: "Put our weekly planning meeting on my calendar for the next 31 weeks: Mondays 10:00-10:30 Pacific starting 2027-01-04, " +
          "Ana, Bo and Carla (optional) invited, a popup reminder 10 minutes before. Title each one 'Week N: <topic>' with these topics in order: " +
          TOPICS.join("; ") + ".",
  servers: { calendar: "fixture" },
  async classic(calls) {
    await calls(TOPICS.map((t, i) => ["calendar", "create_event", {
      calendarId: "primary", summary: `Week ${i + 1}: ${t}`,
      start: { dateTime: `${weekStart(i)}T10:00:00`, timeZone: "America/Los_Angeles" },
      end: { dateTime: `${weekStart(i)}T10:30:00`, timeZone: "America/Los_Angeles" },
      attendees: ATTENDEES, reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 10 }] },
    }]));
  },
  code: [`const topics = ${JSON.stringify(TOPICS)};
const created = [];
for (let i = 0; i < topics.length; i++) {
  const day = new Date(Date.UTC(2027, 0, 4 + 7 * i)).toISOString().slice(0, 10);
  const ev = await calendar.create_event({
    calendarId: "primary",
    summary: \`Week \${i + 1}: \${topics[i]}\`,
    start: { dateTime: \`\${day}T10:00:00\`, timeZone: "America/Los_Angeles" },
    end: { dateTime: \`\${day}T10:30:00\`, timeZone: "America/Los_Angeles" },
    attendees: [{ email: "ana.lima@acme.example" }, { email: "bo.chen@acme.example" }, { email: "carla.diaz@acme.example", optional: true }],
    reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 10 }] },
  });
  created.push({ id: ev.id, start: ev.start.dateTime });
}
({ created: created.length, first: created[0], last: created[created.length - 1] })`],
  final: "Done: 31 weekly planning meetings are on your calendar, Mondays 10:00-10:30 Pacific from 2027-01-04 to 2027-08-02, " +
         "titled Week 1: Roadmap kickoff through Week 31: H2 goals, with Ana, Bo and Carla (optional) invited and a 10-minute popup reminder.",
};

// ---- server-memory: a knowledge graph of a small company --------------------------------------
const TEAMS = ["Payments", "Search", "Mobile", "Platform", "Growth"];
const PEOPLE = ["Ana Lima", "Bo Chen", "Carla Diaz", "Dev Patel", "Eli Novak", "Fay Okafor", "Gus Berg", "Hana Sato",
  "Ivan Petrov", "Jia Wang", "Kofi Mensah", "Lea Martin", "Max Weber", "Nia Brown", "Omar Haddad", "Pia Rossi"];
export const memorySeed = {
  entities: [
    ...TEAMS.map((t, i) => ({ name: t, entityType: "team", observations: [`Owns the ${t.toLowerCase()} product area`, `Standup at ${9 + (i % 3)}:30`, `Slack channel #team-${t.toLowerCase()}`] })),
    ...PEOPLE.map((p, i) => ({ name: p, entityType: "person", observations: [`Joined in 20${18 + (i % 8)}`, `Based in ${["Lisbon", "Berlin", "Austin", "Toronto"][i % 4]}`, `Role: ${["engineer", "senior engineer", "designer", "product manager", "staff engineer"][i % 5]}`, `Prefers ${["email", "Slack", "calls"][i % 3]} for async updates`] })),
    ...["Checkout v3", "Query rewrite", "Offline mode", "Build cache", "Referral program"].map((p, i) => ({ name: p, entityType: "project", observations: [`Owned by ${TEAMS[i]}`, `Status: ${["in progress", "planning", "shipped", "at risk", "in progress"][i]}`, `Target: 2027-Q${1 + (i % 4)}`] })),
  ],
  relations: [
    ...PEOPLE.map((p, i) => ({ from: p, to: TEAMS[i % TEAMS.length], relationType: "works_on" })),
    ...["Checkout v3", "Query rewrite", "Offline mode", "Build cache", "Referral program"].map((p, i) => ({ from: TEAMS[i], to: p, relationType: "owns" })),
    ...PEOPLE.slice(0, 5).map((p, i) => ({ from: p, to: TEAMS[i], relationType: "leads" })),
  ],
};

export const memory = {
  name: "memory: record a team move, list the new team",
  prompt: "Ana Lima moved from the Payments team to the Search team this week. Update the knowledge graph (she no longer works on Payments; " +
          "she works on Search; note the move with the date 2026-11-23) and tell me who else works on Search and what Search owns.",
  servers: { memory: "server-memory" },
  async classic(calls) {
    await calls([["memory", "search_nodes", { query: "Ana Lima" }]]);
    await calls([["memory", "open_nodes", { names: ["Ana Lima", "Payments", "Search"] }]]);
    await calls([
      ["memory", "delete_relations", { relations: [{ from: "Ana Lima", to: "Payments", relationType: "works_on" }, { from: "Ana Lima", to: "Payments", relationType: "leads" }] }],
      ["memory", "create_relations", { relations: [{ from: "Ana Lima", to: "Search", relationType: "works_on" }] }],
      ["memory", "add_observations", { observations: [{ entityName: "Ana Lima", contents: ["Moved from Payments to Search on 2026-11-23"] }] }],
    ]);
    await calls([["memory", "read_graph", {}]]);
  },
  code: [`const before = await memory.open_nodes({ names: ["Ana Lima", "Payments", "Search"] });
const old = before.relations.filter((r) => r.from === "Ana Lima" && r.to === "Payments");
await memory.delete_relations({ relations: old });
await memory.create_relations({ relations: [{ from: "Ana Lima", to: "Search", relationType: "works_on" }] });
await memory.add_observations({ observations: [{ entityName: "Ana Lima", contents: ["Moved from Payments to Search on 2026-11-23"] }] });
const g = await memory.read_graph({});
const members = g.relations.filter((r) => r.to === "Search" && r.relationType === "works_on").map((r) => r.from);
const owns = g.relations.filter((r) => r.from === "Search" && r.relationType === "owns").map((r) => r.to);
({ removed: old.map((r) => r.relationType), members, owns })`],
  final: "Updated: Ana Lima no longer works on (or leads) Payments, now works on Search, and the move on 2026-11-23 is noted. " +
         "Search now has Ana Lima, Bo Chen, Gus Berg and Lea Martin; it owns Query rewrite.",
};

// ---- server-filesystem: TODOs out of meeting notes ----------------------------------------------
export function seedNotes(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const topics = ["standup", "design-review", "planning", "retro", "1on1-bo", "1on1-carla", "customer-call-globex", "customer-call-initech",
                  "hiring-sync", "security-review", "launch-checklist", "offsite", "oncall-handover", "budget", "roadmap"];
  topics.forEach((t, i) => {
    const lines = [`# ${t.replace(/-/g, " ")} (2026-11-${String(2 + i).padStart(2, "0")})`, "", "Attendees: Ana, Bo, Carla, Dev", "", "## Notes", ""];
    for (let j = 0; j < 18; j++) lines.push(`- ${["Discussed", "Agreed on", "Reviewed", "Raised", "Clarified"][(i + j) % 5]} ${["the rollout plan", "error budgets", "the API shape", "hiring loop", "the Q1 dates", "dashboard gaps", "customer feedback", "test flakiness", "cost per request"][(i * 3 + j) % 9]}; ${["owner to follow up", "no change", "needs data", "parked for now", "decided"][(i + 2 * j) % 5]}.`);
    lines.push("", "## Action items", "");
    for (let j = 0; j < 1 + (i % 3); j++) lines.push(`- TODO(${["ana", "bo", "carla", "dev"][(i + j) % 4]}): ${["send the summary to the team", "draft the RFC", "book the room for next week", "update the runbook", "file the follow-up tickets", "check the budget numbers"][(i + j) % 6]} by 2026-12-${String(1 + i + j).padStart(2, "0")}`);
    fs.writeFileSync(path.join(dir, `${String(i + 1).padStart(2, "0")}-${t}.md`), lines.join("\n") + "\n");
  });
}

export const files = {
  name: "filesystem: collect TODOs into todo.md",
  prompt: "Go through my meeting notes in NOTES and collect every TODO line into NOTES/todo.md, grouped by note file. Tell me how many there are per person.",
  servers: { files: "server-filesystem" },
  async classic(calls, ctx) {
    const listing = await calls([["files", "list_directory", { path: ctx.notes }]]);
    const names = listing[0].split("\n").filter((l) => l.startsWith("[FILE]")).map((l) => l.slice(7).trim());
    const read = await calls([["files", "read_multiple_files", { paths: names.map((n) => `${ctx.notes}/${n}`) }]]);
    const out = [];
    for (const n of names) {
      const i = read[0].indexOf(`${ctx.notes}/${n}:`);
      const body = read[0].slice(i, read[0].indexOf("\n---", i) > 0 ? read[0].indexOf("\n---", i) : undefined);
      const todos = body.split("\n").filter((l) => l.includes("TODO("));
      if (todos.length) out.push(`## ${n}`, ...todos, "");
    }
    await calls([["files", "write_file", { path: `${ctx.notes}/todo.md`, content: out.join("\n") }]]);
  },
  code: [`const dir = NOTES;
const { content: entries } = await files.list_directory({ path: dir });
const names = entries.split("\\n").filter((l) => l.startsWith("[FILE]")).map((l) => l.slice(7).trim());
const out = [];
const perPerson = {};
for (const n of names) {
  const text = await files.read_text_file({ path: \`\${dir}/\${n}\` });
  const todos = text.content.split("\\n").filter((l) => l.includes("TODO("));
  for (const t of todos) { const who = /TODO\\((\\w+)\\)/.exec(t)[1]; perPerson[who] = (perPerson[who] ?? 0) + 1; }
  if (todos.length) out.push(\`## \${n}\`, ...todos, "");
}
await files.write_file({ path: \`\${dir}/todo.md\`, content: out.join("\\n") });
({ files: names.length, todos: Object.values(perPerson).reduce((a, b) => a + b, 0), perPerson })`],
  final: "Wrote NOTES/todo.md with 30 TODOs from 15 notes, grouped by file. Per person: ana 8, bo 7, carla 8, dev 7.",
};

// ---- a catalog of 123 tools (10 servers): over the token budget --------------------------------
export const catalogTask = {
  name: "catalog (123 tools): Jira bugs to Slack",
  prompt: "Post a short summary of the open Jira bugs assigned to me (project ENG) to #eng on Slack: one line per bug with key, priority and title, highest priority first.",
  servers: "catalog",
  async classic(calls) {
    const r = await calls([["jira", "search_issues", { jql: "project = ENG AND issuetype = Bug AND assignee = currentUser() AND statusCategory != Done ORDER BY priority DESC", fields: ["summary", "status", "priority", "labels", "updated"], maxResults: 50 }]]);
    const issues = JSON.parse(r[0]).issues;
    const order = ["Highest", "High", "Medium", "Low"];
    issues.sort((a, b) => order.indexOf(a.fields.priority.name) - order.indexOf(b.fields.priority.name));
    const text = `*Open ENG bugs assigned to Ana (${issues.length})*\n` + issues.map((i) => `• ${i.key} [${i.fields.priority.name}] ${i.fields.summary}`).join("\n");
    await calls([["slack", "post_message", { channel: "#eng", text }]]);
  },
  code: [`const found = [...await search("jira search issues jql"), ...await search("slack post message channel")];
({ found: found.slice(0, 6).map((f) => f.name), jira: await describe("jira.search_issues"), slack: await describe("slack.post_message") })`,
  `const r = await jira.search_issues({ jql: "project = ENG AND issuetype = Bug AND assignee = currentUser() AND statusCategory != Done ORDER BY priority DESC", fields: ["summary", "status", "priority", "labels", "updated"], maxResults: 50 });
const order = ["Highest", "High", "Medium", "Low"];
const bugs = r.issues.sort((a, b) => order.indexOf(a.fields.priority.name) - order.indexOf(b.fields.priority.name));
const text = \`*Open ENG bugs assigned to Ana (\${bugs.length})*\\n\` + bugs.map((i) => \`• \${i.key} [\${i.fields.priority.name}] \${i.fields.summary}\`).join("\\n");
const posted = await slack.post_message({ channel: "#eng", text });
({ posted: posted.ok, ts: posted.ts, bugs: bugs.length, top: bugs.slice(0, 3).map((i) => i.key) })`],
  final: "Posted the summary of your 14 open ENG bugs to #eng, highest priority first (ENG-400, ENG-404, ENG-408 on top).",
};

// ---- GitHub triage: label stale issues and comment ---------------------------------------------
export const triage = {
  name: "github: label and comment stale issues",
  prompt: "In acme/widgets, find the open issues not updated since 2026-04-01 (look at the 40 most recent), add the label 'stale' to each and comment " +
          "'Closing in 14 days unless there is new activity.' Then tell me which ones.",
  servers: { github: "fixture" },
  async classic(calls) {
    const r = await calls([["github", "list_issues", { owner: "acme", repo: "widgets", state: "open", per_page: 40 }]]);
    const stale = JSON.parse(r[0]).filter((i) => i.updated_at < "2026-04-01");
    const group = [];
    for (const i of stale) {
      group.push(["github", "add_labels", { owner: "acme", repo: "widgets", issue_number: i.number, labels: ["stale"] }]);
      group.push(["github", "add_issue_comment", { owner: "acme", repo: "widgets", issue_number: i.number, body: "Closing in 14 days unless there is new activity." }]);
    }
    await calls(group);
  },
  code: [`const issues = await github.list_issues({ owner: "acme", repo: "widgets", state: "open", per_page: 40 });
const stale = issues.filter((i) => i.updated_at < "2026-04-01");
for (const i of stale) {
  await github.add_labels({ owner: "acme", repo: "widgets", issue_number: i.number, labels: ["stale"] });
  await github.add_issue_comment({ owner: "acme", repo: "widgets", issue_number: i.number, body: "Closing in 14 days unless there is new activity." });
}
stale.map((i) => ({ number: i.number, title: i.title, updated: i.updated_at.slice(0, 10) }))`],
  final: "10 open issues had no activity since 2026-04-01; each is now labelled 'stale' with the 14-day notice: #106, #108, #110, #117, #119, " +
         "#121, #128, #130, #132 and #139 (oldest: #132, last updated 2026-01-01).",
};

export const TASKS = [calendar, memory, files, catalogTask, triage];
