// A cycle-stepped model of the n×n vector-MAC array with bitmask decoders and gating: the executable
// spec that the analytical `gemm_cycles` is tested against. It also computes y, so gating is checked
// not to change results.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/pu_model.h"

namespace edgemt::sim {

struct SteppedGemm {
  GemmCycles counts;      // cycles, tiles, decoded rows, MACs, counted cycle by cycle
  double gated_vectors = 0;  // VMAC-cycles clock-gated on an all-zero weight vector
  std::vector<float> y;   // [M, N]
};

// x [M, K], w [N, K] row-major; a weight is "non-zero" when its bitmask bit is set (w != 0).
SteppedGemm step_gemm(std::span<const float> x, std::span<const float> w, long M, long N, long K, long n,
                      long decoders);

}  // namespace edgemt::sim
