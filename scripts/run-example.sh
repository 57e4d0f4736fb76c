#!/bin/sh
# `make run`: starts the daemon (`dynworker serve`) on 127.0.0.1:8787 in the foreground, after
# printing curl commands that work against it. Ctrl-C drains it and exits.
# `scripts/run-example.sh BIN --oneshot` runs the example worker with `dynworker run` instead.
set -eu
bin=${1:-build/dynworker}
cd "$(dirname "$0")/.."
if [ "${2:-}" = --oneshot ]; then
  echo "\$ $bin run examples/hello.js examples/greet.js --env NAME=world"
  exec "$bin" run examples/hello.js examples/greet.js --env NAME=world
fi
listen=${DW_LISTEN:-127.0.0.1:8787}
data=${DW_DATA_DIR:-./dynworker-data}
url=$(echo "$listen" | sed 's/^127\.0\.0\.1:/localhost:/')
cat <<EOT
dynworker serve: the HTTP API on http://$listen (docs/OPERATIONS.md, docs/openapi.yaml).
In another terminal:

  # a one-shot worker in a fresh sandbox
  curl -s $url/v1/run -d '{"code":"export default () => 1 + 1"}'

  # register a worker (kept in $data/workers.db), then send it an HTTP request
  curl -s -X PUT $url/v1/workers/hello \\
    -d '{"code":"export default { fetch(req) { return new Response(\"hello from \" + new URL(req.url).pathname) } }"}'
  curl -s $url/v1/workers/hello/fetch/world

  # its invocations, live; and the daemon's metrics
  curl -sN $url/v1/workers/hello/tail
  curl -s $url/metrics

Ctrl-C (or SIGTERM) drains: requests in flight finish, then it exits 0.

EOT
exec "$bin" serve --listen "$listen" --data-dir "$data"
