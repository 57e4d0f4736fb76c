#!/bin/sh
# `make run`: runs the example worker in a fresh, contained sandbox and shows what happened.
# (When the daemon lands, this starts `dynworker serve` instead.)
set -eu
bin=${1:-build/dynworker}
cd "$(dirname "$0")/.."
echo "\$ $bin run examples/hello.js examples/greet.js --env NAME=world"
"$bin" run examples/hello.js examples/greet.js --env NAME=world
echo
echo "\$ $bin run examples/hello.js examples/greet.js --env NAME=world --json"
"$bin" run examples/hello.js examples/greet.js --env NAME=world --json
echo
echo "A runaway is stopped at its limit (exit status 3):"
echo "\$ echo 'while (true) {}' > /tmp/loop.js && $bin run /tmp/loop.js --cpu-ms 100"
echo 'while (true) {}' > /tmp/dynworker-loop.js
"$bin" run /tmp/dynworker-loop.js --cpu-ms 100 || echo "(exit status $?)"
echo
echo "A worker that loads other workers (the Worker Loader, docs/LOADER.md):"
echo "\$ $bin run examples/loader.js --loader LOADER --url http://localhost/demo"
"$bin" run examples/loader.js --loader LOADER --url http://localhost/demo
echo
