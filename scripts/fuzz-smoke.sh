#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR/fuzz for SECONDS each (default 60), from the seed
# corpus in fuzz/corpus/<name> (read only: new inputs go to a temporary folder). A crash, a
# leak or a timeout fails the run and leaves the input under $OUT (printed).
#   scripts/fuzz-smoke.sh [BUILD_DIR] [SECONDS]
set -eu
build=${1:-build-fuzz}
secs=${2:-60}
cd "$(dirname "$0")/.."
out=$(mktemp -d /tmp/dynworker-fuzz.XXXXXX)
# JavaScriptCore's process-lifetime caches are not our leaks (the same list the tests use).
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
status=0
for t in "$build"/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t" | sed 's/^fuzz_//')
  mkdir -p "$out/$name/new" "$out/$name/artifacts"
  seeds=fuzz/corpus/$name
  [ -d "$seeds" ] || seeds=""
  dict=""
  [ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
  # shellcheck disable=SC2086
  if "$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
      -artifact_prefix="$out/$name/artifacts/" $dict "$out/$name/new" $seeds \
      > "$out/$name/log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$out/$name/log" | tail -1)
    echo "fuzz_$name: ok ($runs in ${secs} s)"
  else
    echo "fuzz_$name: FAILED (log and input: $out/$name)"
    # The target's own message (printed before the stack) and the end of the log.
    grep -E "^(fuzz_|==[0-9]+==ERROR)" "$out/$name/log" | head -5
    tail -40 "$out/$name/log" | grep -v '^"'
    status=1
  fi
done
[ $status -eq 0 ] && rm -rf "$out"
exit $status
