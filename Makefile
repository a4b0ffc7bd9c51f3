# Thin wrapper over CMake: dependencies, build, tests, demo, benchmarks.
BUILD ?= build
JOBS ?= $(shell nproc)
EDGEMT := $(BUILD)/bin/edgemt

.PHONY: all deps build test tsan demo bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

# The stamp is written only after CMake configured successfully, so a failed configure (say, a
# missing package) is retried on the next `make` instead of leaving a half-made build directory.
$(BUILD)/.configured:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	touch $@

build: deps $(BUILD)/.configured
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The main job: every task of the default model through one engine on its GLUE dev set (GLUE_DIR,
# else ../shared/glue, else the shipped examples), then the accelerator simulator on the traces; one
# table. The same results as an HTML page: $(BUILD)/demo/report.html.
demo: build
	$(EDGEMT) demo --work $(BUILD)/demo --out $(BUILD)/demo/demo.json
	$(EDGEMT) report --from $(BUILD)/demo/demo.json --out $(BUILD)/demo/report.html

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
