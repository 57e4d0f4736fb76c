# The two commands: `make run` (build, then start the main job) and `make test` (build, then
# run every test). Each installs what it needs on Debian 12 first (scripts/deps.sh).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test test-asan bench clean

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: deps build
	@./scripts/run-example.sh $(BUILD)/dynworker

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDW_SANITIZE=ON

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 1800

bench: deps build
	$(BUILD)/bench/coldstart/coldstart
	$(BUILD)/bench/loader/loader_bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
