#!/usr/bin/env bash
# Installs edgemt's build and test dependencies from Debian 12 packages. Idempotent: installs only
# what is missing; uses sudo only when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libsentencepiece-dev sentencepiece   # tokenizer (ALBERT's own library)
  nlohmann-json3-dev                   # JSON: config.json, safetensors headers, reports
  libcli11-dev                         # CLI
  libicu-dev                           # Unicode NFKD / case mapping for ALBERT normalisation
  libdnnl-dev                          # fp32 GEMM (oneDNN sgemm)
  ocl-icd-opencl-dev                   # Debian's dnnl-config.cmake requires OpenCL (only a Recommends of libdnnl-dev)
  libopenblas-dev                      # the other BLAS, compared in bench/gemm_bench.cc
  libgtest-dev libgmock-dev googletest # tests
  libbenchmark-dev                     # kernel microbenchmarks
  libtorch-dev                         # trainer (src/train): libtorch 1.13, CPU
  chromium                             # renders `edgemt report`'s HTML in a test (headless screenshot)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
