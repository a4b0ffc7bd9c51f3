#!/usr/bin/env bash
# Builds the loader fuzzer with clang (ASan + UBSan + libFuzzer) and runs it.
# Usage: fuzz/run.sh [SECONDS]  (default 600). New crashers land in fuzz/artifacts/; copy each into
# tests/data/fuzz-regressions/ (the regression test replays them) once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-600}
need=(clang-14 libclang-rt-14-dev libomp-14-dev python3)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
bash scripts/install-deps.sh
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEMT_FUZZ=ON \
  -DEDGEMT_TESTS=OFF -DEDGEMT_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_model_loader
mkdir -p fuzz/corpus-work fuzz/artifacts
python3 fuzz/make_seeds.py fuzz/seeds >/dev/null
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ./build-fuzz/fuzz_model_loader fuzz/corpus-work fuzz/seeds -dict=fuzz/loader.dict \
  -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -max_len=8192 -timeout=10 \
  -artifact_prefix=fuzz/artifacts/ -print_final_stats=1
