// Linear layers with fp32 weights packed once at load into the layout the micro-kernel reads:
// y = x·Wᵀ + b without the per-call repacking of a BLAS sgemm.
#pragma once

#include <cstddef>
#include <vector>

#include "core/aligned.h"
#include "kernels/isa.h"

namespace edgemt::ops {

inline constexpr int kF32Panel = 16;  // output features per weight panel

// fp32 weights w [N, K] (PyTorch Linear layout) reordered into panels of 16 output features:
// [P, K, 16] with P = ceil(N/16) rounded up to even (the AVX-512 kernel reads panels in pairs),
// features past N zero. Holds P·16·K floats; the source can be released.
struct PackedF32Weights {
  PackedF32Weights(const float* w, int rows, int cols);
  PackedF32Weights(int rows, int cols);  // all zero, filled by pack_rows

  // Rows [row0, row0 + n) from w [n, cols] (copied: w may be released).
  void pack_rows(int row0, const float* w, int n);

  int rows;                   // N
  int cols;                   // K
  AlignedVector<float> panels;  // [stored_panels(), K, 16], 64-byte aligned (a panel row is one AVX-512 vector)

  int num_panels() const { return (rows + kF32Panel - 1) / kF32Panel; }  // those holding features
  int stored_panels() const { return (num_panels() + 1) / 2 * 2; }
  size_t bytes() const { return panels.size() * sizeof(float); }
};

// x [M, K] (row stride ldx), b [N] or nullptr → y [M, N] (row stride ldy). Threads: OpenMP over
// output panels (every output is computed by one thread in a fixed order); the path is active_isa().
void packed_linear(const float* x, int M, int ldx, const PackedF32Weights& w, const float* b, float* y, int ldy);
// The same on a given path (tests, benchmarks); `isa` must be supported.
void packed_linear(Isa isa, const float* x, int M, int ldx, const PackedF32Weights& w, const float* b, float* y,
                   int ldy);

}  // namespace edgemt::ops
