#!/bin/sh
# Runs test_codemode.mjs: installs the pinned npm packages (npm ci, package-lock.json) into
# WORK once per lockfile (reruns reuse them), copies the test files next to them, runs node.
#   run.sh DYNWORKER SRC_DIR WORK_DIR [--in-process]
set -eu
bin=$1; src=$2; work=$3; shift 3
mkdir -p "$work"
if ! cmp -s "$src/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$src/test_codemode.mjs" "$src/fake_upstream.py" "$work/"
exec node "$work/test_codemode.mjs" "$bin" "$@"
