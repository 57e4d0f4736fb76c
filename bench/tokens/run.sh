#!/bin/sh
# Runs the token benchmark: installs the pinned npm packages (npm ci, package-lock.json) into
# WORK once per lockfile, copies the benchmark next to them, runs it.
#   run.sh DYNWORKER WORK_DIR [--markdown FILE] [--json FILE]
set -eu
bin=$(realpath "$1"); work=$2; shift 2
src=$(dirname "$(realpath "$0")")
mkdir -p "$work"
if ! cmp -s "$src/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$work/fixtures"
cp "$src/bench.mjs" "$src/tasks.mjs" "$work/"
cp "$src/fixtures/"*.mjs "$work/fixtures/"
exec node "$work/bench.mjs" "$bin" "$@"
