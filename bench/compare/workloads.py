"""The four workloads of bench/compare, written once and wrapped for each runtime.

Every runtime runs the same body: an `async function main(host)` returning a string, with the
same constant DATA (W2's input, generated deterministically here). Only the few lines that
hand the body to a runtime differ (a default-exported function, a WorkerEntrypoint, a fetch
handler, a plain script). EXPECTED holds the result every runtime must return.
"""
import json
import os

# W2's input: 200 objects from a fixed linear congruential generator (no randomness from the
# machine), about 12 KB of JSON.
def w2_data():
    x = 12345
    def rnd(m):
        nonlocal x
        x = (x * 1103515245 + 12345) % 2147483648
        return x % m
    words = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen"]
    rows = []
    for i in range(200):
        rows.append({
            "id": i,
            "name": words[rnd(8)],
            "price": rnd(1000) / 10,
            "qty": rnd(10),
            "on": int(rnd(3) != 0),
            "tags": [rnd(10) for _ in range(rnd(2))],
        })
    return json.dumps(rows, separators=(",", ":"))


BODIES = {
    "w1": 'return "hello, world";',
    "w2": (
        "const rows = JSON.parse(DATA);\n"
        "const out = rows.filter((r) => r.on && r.qty > 2)\n"
        "  .map((r) => ({ id: r.id, name: r.name.toUpperCase(), total: Math.round(r.price * r.qty * 100) / 100, tags: r.tags.length }))\n"
        "  .sort((a, b) => b.total - a.total || a.id - b.id);\n"
        "const s = JSON.stringify(out);\n"
        "return s.length + ':' + out.length + ':' + out[0].id;"
    ),
    "w3": (
        "const n = 1000000, sieve = new Uint8Array(n + 1);\n"
        "let count = 0;\n"
        "for (let i = 2; i <= n; i++) {\n"
        "  if (sieve[i]) continue;\n"
        "  count++;\n"
        "  for (let j = i * i; j <= n; j += i) sieve[j] = 1;\n"
        "}\n"
        "return String(count);"
    ),
    "w4": (
        "let s = 0;\n"
        "for (let i = 0; i < 10; i++) s = await host.add(s);\n"
        "return String(s);"
    ),
}

TITLES = {
    "w1": "W1 return a string",
    "w2": "W2 JSON 12 KB parse/filter/map/sort/stringify",
    "w3": "W3 sieve to 1e6",
    "w4": "W4 10 awaited host calls",
}

WORKLOADS = ["w1", "w2", "w3", "w4"]


def plain(w, data):
    """The body as a classic script defining main(host); no module syntax."""
    pre = "const DATA = %s;\n" % json.dumps(data) if w == "w2" else ""
    return pre + "async function main(host) {\n" + BODIES[w] + "\n}\n"


def flavours(w, data):
    p = plain(w, data)
    return {
        # dw_sandbox_run: a default-exported function, called with (env).
        "dw_sandbox.js": p + "export default async function (env) { return main(env && env.HOST); }\n",
        # dw_loader (warm workers, and W4's binding): a WorkerEntrypoint with run().
        "dw_entry.js": 'import { WorkerEntrypoint } from "cloudflare:workers";\n' + p
        + "export default class extends WorkerEntrypoint { async run() { return main(this.env.HOST); } }\n",
        # A fetch handler (workerd's dynamic workers, the daemon's registered workers).
        "fetch.js": p + "export default { async fetch(request, env) { return new Response(await main(env && env.HOST)); } };\n",
        # The daemon's POST /v1/run: a default-exported function called with (env).
        "run.js": p + "export default async function (env) { return main(env && env.HOST); }\n",
        # A classic script (isolated-vm, quickjs-emscripten): defines main.
        "plain.js": p,
    }


# The host side of W4 as a worker (workerd's parent entrypoint, the daemon's $worker).
HOST_WORKER = ('import { WorkerEntrypoint } from "cloudflare:workers";\n'
               "export default class extends WorkerEntrypoint { add(x) { return x + 1; } }\n")


def generate(out_dir):
    """Writes every flavour of every workload under out_dir/<w>/ and returns
    {w: {"expected": str, "dir": path}}. The expected result is computed by running the
    plain body under node (the same text every runtime runs)."""
    data = w2_data()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "w2-data.json"), "w") as f:
        f.write(data)
    res = {}
    for w in WORKLOADS:
        d = os.path.join(out_dir, w)
        os.makedirs(d, exist_ok=True)
        for name, src in flavours(w, data).items():
            with open(os.path.join(d, name), "w") as f:
                f.write(src)
        res[w] = {"dir": d}
    with open(os.path.join(out_dir, "host.js"), "w") as f:
        f.write(HOST_WORKER)
    return res, len(data)
