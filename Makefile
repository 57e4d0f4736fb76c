# The two commands: `make run` (build, then start the main job) and `make test` (build, then
# run every test). Each installs what it needs on Debian 12 first (scripts/deps.sh).
BUILD ?= build
ASAN_BUILD ?= build-asan
VALGRIND_BUILD ?= build-valgrind
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps build run test test-asan test-valgrind bench bench-compare soak fuzz-deps fuzz-build fuzz-smoke fuzz clean bench-tokens

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: deps build
	@./scripts/run-example.sh $(BUILD)/dynworker

# In CI (CI=true) the tests also run every fuzz target for FUZZ_SECONDS (scripts/fuzz-smoke.sh).
test: deps build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900
	@if [ "$${CI:-}" = true ]; then $(MAKE) fuzz-smoke; fi

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDW_SANITIZE=ON

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 1800

# The library's unit tests under valgrind's memcheck (scripts/test-valgrind.sh): no definite
# or indirect leak, no memory error. A normal build (-O1 -g), not the ASan one. Not part of
# `make test`: about 7 minutes on 2 quiet cores (18 on a busy machine).
$(VALGRIND_BUILD)/CMakeCache.txt:
	cmake -S . -B $(VALGRIND_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" \
	  -DDW_TEST_TIMEOUT_SCALE=10

test-valgrind: deps $(VALGRIND_BUILD)/CMakeCache.txt
	@./scripts/deps.sh valgrind
	cmake --build $(VALGRIND_BUILD) -j$(JOBS)
	./scripts/test-valgrind.sh $(VALGRIND_BUILD)

bench: deps build
	@./scripts/deps.sh bench
	$(BUILD)/bench/coldstart/coldstart
	$(BUILD)/bench/loader/loader_bench
	python3 bench/http/run.py $(BUILD)/dynworker

# bench/compare (issue 8): dynworker beside workerd, isolated-vm and quickjs-emscripten, in one
# run of at most ~20 minutes; COMPARE_FLAGS=--quick for a run of a few minutes.
COMPARE_FLAGS ?=
bench-compare: deps build
	@./scripts/deps.sh bench
	python3 bench/compare/run.py --build $(BUILD) --readme $(COMPARE_FLAGS)

# Mixed traffic (fresh, warm, bindings, 5% hostile) for SOAK_MINUTES against one daemon: a
# per-minute table, failed when an answer is wrong or RSS/fds grow (bench/soak/README.md).
# Not part of `make test`.
SOAK_MINUTES ?= 30
soak: build
	python3 bench/soak/run.py --minutes $(SOAK_MINUTES) --bin $(BUILD)/dynworker
# Tokens a model reads and writes per task, classic tool calling vs Code Mode (bench/tokens):
# npm packages pinned by bench/tokens/package-lock.json, installed once into BUILD.
bench-tokens: build
	sh bench/tokens/run.sh $(BUILD)/dynworker $(BUILD)/bench-tokens-node

fuzz-deps:
	@./scripts/deps.sh fuzz

fuzz-build: fuzz-deps
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || cmake -S . -B $(FUZZ_BUILD) -DDW_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j$(JOBS)

# Every libFuzzer target for FUZZ_SECONDS (60) from its seed corpus; `make fuzz` for longer.
fuzz-smoke: fuzz-build
	./scripts/fuzz-smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz:
	$(MAKE) fuzz-smoke FUZZ_SECONDS=600

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(VALGRIND_BUILD) $(FUZZ_BUILD)
