# Thin wrapper over CMake: dependencies, build, tests, demo, benchmarks.
BUILD ?= build
JOBS ?= $(shell nproc)
EDGEMT := $(BUILD)/bin/edgemt
DEMO_MODEL ?= models/albert-tiny-sst2

.PHONY: all deps build test tsan demo bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@echo "== edgemt classify on the bundled model ($(DEMO_MODEL)) =="
	$(EDGEMT) info --model $(DEMO_MODEL)
	$(EDGEMT) classify --model $(DEMO_MODEL) "a gorgeous, witty, seductive movie ."
	$(EDGEMT) classify --model $(DEMO_MODEL) "the plot is nowhere near as clever as it thinks it is , and the acting is flat ."
	$(EDGEMT) classify --model $(DEMO_MODEL) --json "an utterly charming and hilarious film that reaches out to everyone ."

# The concurrency tests (many threads classifying on one engine) under ThreadSanitizer. OpenMP
# teams are off (OMP_NUM_THREADS=1): libgomp and oneDNN are not instrumented, so TSan cannot see
# their barriers; the threads under test are the callers' own std::threads.
TSAN_BUILD ?= build-tsan
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEMT_TSAN=ON -DEDGEMT_BENCH=OFF
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target edgemt_tests
	OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  $(TSAN_BUILD)/edgemt_tests --gtest_filter='*Concurrent*'

bench: build
	SKIP_BUILD=1 BUILD_DIR=$(BUILD) bash bench/run-four-way.sh

fuzz:
	bash fuzz/run.sh

clean:
	rm -rf $(BUILD)
