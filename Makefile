# Thin wrapper over CMake: dependencies, build, tests, demo, benchmarks.
BUILD ?= build
JOBS ?= $(shell nproc)
EDGEMT := $(BUILD)/bin/edgemt
DEMO_MODEL ?= models/albert-tiny-sst2

.PHONY: all deps build test demo bench fuzz clean

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

bench: build
	bash bench/run-vs-ort.sh

fuzz:
	bash fuzz/run.sh

clean:
	rm -rf $(BUILD)
