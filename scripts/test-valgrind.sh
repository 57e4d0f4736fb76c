#!/bin/sh
# make test-valgrind: the library's unit tests under valgrind's memcheck, through ctest's own
# memory checking (ctest -T memcheck), in a normal build (BUILD, configured by the Makefile).
# A test fails on any definite or indirect leak and on any memory error (an invalid read or
# write, a use of an uninitialised value) that tests/valgrind.supp does not name; that file
# names JavaScriptCore's own process-lifetime memory and engine behaviour only.
#
# Usage: scripts/test-valgrind.sh BUILD [ctest-regex]
set -eu
BUILD=$1
TESTS=${2:-'^(unit_|modules_unit$|webapi)'}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VALGRIND=$(command -v valgrind)

# The JIT off (JSC_useJIT=false, an engine option read from the environment at start): code
# that the engine writes and then runs would have to be re-translated by valgrind on every
# change, and JIT frames have no symbols to suppress by. The interpreter is about twice as fast
# under valgrind here and every engine frame is named.
export JSC_useJIT=false
# Everything runs 20-50 times slower: the tests' time limits that a worker is expected to meet
# are multiplied by this (tests/unit/slow.h); the ctest timeouts are scaled at configure time
# (DW_TEST_TIMEOUT_SCALE).
export DW_TEST_SLOW="${DW_TEST_SLOW:-20}"

# unit_contained is left out: under valgrind every one of its contained runs ends in
# internal_error (the child, still under valgrind, closes every fd, pivots to an empty root
# and loads a seccomp filter, none of which valgrind's own fds and system calls are kept out
# of). What that child runs is the library the other tests check; the containment has its
# own tests (try-syscall).
EXCLUDE='^(unit_contained|unit_tsgen_tsc)$'

# Forked children (the tests' HTTP servers, a store writer) end with _exit() holding what the
# parent had: only the test process itself is judged (--child-silent-after-fork).
OPTS="--tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect"
OPTS="$OPTS --errors-for-leak-kinds=definite,indirect --error-exitcode=42 --num-callers=40"
OPTS="$OPTS --child-silent-after-fork=yes --gen-suppressions=all"
# The engine moves the stack pointer by megabytes (deep recursion up to its stack limit):
# without this valgrind takes it for a switch of stacks and reports the writes there.
OPTS="$OPTS --max-stackframe=16777216"

# ctest reads its memory checker from DartConfiguration.tcl (include(CTest) would write one,
# with CDash targets we do not want).
cat >"$BUILD/DartConfiguration.tcl" <<EOF
SourceDirectory: $ROOT
BuildDirectory: $(cd "$BUILD" && pwd)
MemoryCheckCommand: $VALGRIND
MemoryCheckCommandOptions: $OPTS
MemoryCheckSuppressionFile: $ROOT/tests/valgrind.supp
EOF
rm -f "$BUILD"/Testing/Temporary/MemoryChecker.*.log
cd "$BUILD"
start=$(date +%s)
rc=0
ctest -T memcheck -j"${JOBS:-2}" -R "$TESTS" -E "$EXCLUDE" --output-on-failure || rc=$?
echo "valgrind memcheck: $(($(date +%s) - start)) s; logs: $BUILD/Testing/Temporary/MemoryChecker.<test number>.log"
exit $rc
