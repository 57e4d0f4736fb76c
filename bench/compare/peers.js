// bench/compare/peers.js: the in-process side of the library peers (isolated-vm,
// quickjs-emscripten), driven by run.py. Node's module path is set by run.py (NODE_PATH).
//
//   node peers.js version PEER
//   node peers.js lat PEER WORKLOAD MODE N EXPECTED PLAIN_JS
//       MODE cold (a fresh isolate / runtime+context per run), cold-shared (a fresh context in
//       one shared isolate / runtime), warm (one context, main() called N times).
//       Prints {"p50","p99","mean" (ms),"ops" (runs per second)}.
//   node peers.js mem PEER MAX BUDGET_S CAP_MB PLAIN_JS
//       Keeps sandboxes that ran the script alive; prints {"n","rss_kb","per_kb"} at every 1,000
//       live and a last line with "stopped".
//
// The host function of W4 is add(x) = x + 1, returned as a promise the host resolves.
"use strict";
const fs = require("fs");

function rssKb() {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------- isolated-vm
function ivmPeer() {
  const ivm = require("isolated-vm");
  const hostAdd = new ivm.Reference(async (x) => x + 1);
  // Inside the isolate: host.add(x) is an asynchronous call of the host's function.
  const glue = "const host = { add: (x) => __hostAdd.apply(undefined, [x], { result: { promise: true } }) };\n";
  async function newContext(iso, script) {
    const ctx = await iso.createContext();
    await ctx.global.set("__hostAdd", hostAdd);
    await script.run(ctx);
    const main = await ctx.global.get("__run", { reference: true });
    return { ctx, main };
  }
  return {
    version: () => require("isolated-vm/package.json").version,
    async prepare(src) {
      this.src = glue + src + "\nglobalThis.__run = () => main(host);\n";
    },
    async cold(shared) {
      const iso = shared ? (this.iso ||= new ivm.Isolate({ memoryLimit: 2048 })) : new ivm.Isolate({ memoryLimit: 128 });
      const script = await iso.compileScript(this.src);
      const { ctx, main } = await newContext(iso, script);
      const r = await main.apply(undefined, [], { result: { promise: true, copy: true } });
      main.release();
      script.release();
      ctx.release();
      if (!shared) iso.dispose();
      return r;
    },
    async warm() {
      if (!this.w) {
        const iso = new ivm.Isolate({ memoryLimit: 128 });
        this.w = await newContext(iso, await iso.compileScript(this.src));
      }
      return this.w.main.apply(undefined, [], { result: { promise: true, copy: true } });
    },
    // A live sandbox: an isolate whose context ran the workload once.
    async keep() {
      const iso = new ivm.Isolate({ memoryLimit: 32 });
      const { main } = await newContext(iso, await iso.compileScript(this.src));
      await main.apply(undefined, [], { result: { promise: true, copy: true } });
      return iso;
    },
  };
}

// ---------------------------------------------------------------- quickjs-emscripten
function qjsPeer() {
  const { getQuickJS } = require("quickjs-emscripten");
  let QJS;
  function install(vm) {
    const add = vm.newFunction("add", (xh) => {
      const x = vm.getNumber(xh);
      const p = vm.newPromise();
      const v = vm.newNumber(x + 1);
      p.resolve(v);
      v.dispose();
      const h = p.handle.dup();
      p.dispose();
      return h;
    });
    const host = vm.newObject();
    vm.setProp(host, "add", add);
    vm.setProp(vm.global, "host", host);
    add.dispose();
    host.dispose();
  }
  async function call(vm) {
    const ph = vm.unwrapResult(vm.evalCode("main(host)"));
    const settled = vm.resolvePromise(ph);
    ph.dispose();
    vm.runtime.executePendingJobs(-1);
    const res = await settled;
    const vh = vm.unwrapResult(res);
    const s = vm.getString(vh);
    vh.dispose();
    return s;
  }
  function newContext(rt, src) {
    const vm = rt.newContext();
    install(vm);
    vm.unwrapResult(vm.evalCode(src, "main.js")).dispose();
    return vm;
  }
  return {
    version: () => require("quickjs-emscripten/package.json").version,
    async prepare(src) {
      QJS = await getQuickJS();
      this.src = src;
    },
    async cold(shared) {
      const rt = shared ? (this.rt ||= QJS.newRuntime()) : QJS.newRuntime();
      if (!shared) rt.setMemoryLimit(128 * 1024 * 1024);
      const vm = newContext(rt, this.src);
      const r = await call(vm);
      vm.dispose();
      if (!shared) rt.dispose();
      return r;
    },
    async warm() {
      if (!this.w) {
        const rt = QJS.newRuntime();
        this.w = newContext(rt, this.src);
      }
      return call(this.w);
    },
    async keep() {
      const rt = QJS.newRuntime();
      const vm = newContext(rt, this.src);
      await call(vm);
      return vm;
    },
  };
}

const PEERS = { "isolated-vm": ivmPeer, "quickjs-emscripten": qjsPeer };

async function lat(peer, workload, mode, n, expected, file) {
  await peer.prepare(fs.readFileSync(file, "utf8"));
  const run = mode === "warm" ? () => peer.warm() : () => peer.cold(mode === "cold-shared");
  const t = [];
  let total = 0;
  const warmup = Math.floor(n / 10) + 3;
  for (let i = -warmup; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await run();
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r !== expected) throw new Error(`unexpected result ${JSON.stringify(r)} (expected ${JSON.stringify(expected)})`);
    if (i >= 0) {
      t.push(dt);
      total += dt;
    }
  }
  t.sort((a, b) => a - b);
  const mean = total / n;
  return { p50: t[n >> 1], p99: t[Math.floor((n - 1) * 0.99)], mean, ops: 1000 / mean };
}

async function mem(peer, max, budgetS, capMb, file) {
  await peer.prepare(fs.readFileSync(file, "utf8"));
  for (let i = 0; i < 3; i++) await peer.keep();
  if (global.gc) global.gc();
  const keep = [];
  const before = rssKb();
  const t0 = Date.now();
  let stopped = "max";
  let n = 0;
  const line = (extra) => console.log(JSON.stringify({ n, rss_kb: rssKb(), per_kb: n ? +((rssKb() - before) / n).toFixed(1) : 0, ...extra }));
  for (; n < max; ) {
    if ((Date.now() - t0) / 1000 > budgetS) { stopped = "time budget"; break; }
    if ((n & 63) === 0 && rssKb() / 1024 >= capMb) { stopped = "memory cap"; break; }
    try {
      keep.push(await peer.keep());
    } catch (e) {
      stopped = "failed: " + String(e && e.message || e).slice(0, 120);
      break;
    }
    n++;
    if (n % 1000 === 0) line({}); // every 1,000: a crash still leaves the count reached
  }
  line({ stopped, seconds: +((Date.now() - t0) / 1000).toFixed(1) });
  process.exit(0);
}

async function main() {
  const [cmd, name, ...a] = process.argv.slice(2);
  const make = PEERS[name];
  if (!make) throw new Error("unknown peer " + name);
  const peer = make();
  if (cmd === "version") return console.log(peer.version());
  if (cmd === "lat") return console.log(JSON.stringify(await lat(peer, a[0], a[1], Number(a[2]), a[3], a[4])));
  if (cmd === "mem") return mem(peer, Number(a[0]), Number(a[1]), Number(a[2]), a[3]);
  throw new Error("unknown command " + cmd);
}

main().catch((e) => {
  console.error("peers.js: " + (e && e.stack || e));
  process.exit(1);
});
