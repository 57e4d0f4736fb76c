# why: an env of 200,000 keys (past the 1 MiB env cap, or within it)
# expect: {"status": [200, 400, 413]}
from rawhttp import exchange, post, healthy


def probe(port, local):
    env = ",".join("\"k%d\": %d" % (i, i) for i in range(200000))
    r = exchange(port, post("/v1/run", "{\"code\": \"export default (env) => Object.keys(env).length\", \"env\": {" + env + "}}"), timeout=30)
    p = [] if healthy(port) else ["healthz failed after"]
    return {"status": r["status"], "problems": p}
