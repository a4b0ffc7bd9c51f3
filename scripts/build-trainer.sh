#!/usr/bin/env bash
# Builds only the trainer (edgemt-train) against this machine's PyTorch libtorch (CUDA), for GPU
# machines that lack the engine's dependencies (SentencePiece, oneDNN, ICU).
#   scripts/build-trainer.sh [BUILD_DIR]          (default: build-gpu)
# Needs: python3 with torch, CMake, a C++20 compiler. The header-only libraries (nlohmann-json,
# CLI11) come from the system, or from EDGEMT_HEADERS=DIR, a folder holding nlohmann/ and CLI/
# (copy them from /usr/include on a machine that has the Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') ||
  { echo "build-trainer: python3 cannot import torch" >&2; exit 1; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DEDGEMT_TRAINER_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$prefix" ${EDGEMT_HEADERS:+-DEDGEMT_HEADERS="$EDGEMT_HEADERS"} >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "build-trainer: $build/bin/edgemt-train"
