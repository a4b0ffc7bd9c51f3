// Linear layers with bitmask-sparse AdaptivFloat-8 weights: y = x·Wᵀ + b, work ∝ non-zeros.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/af8.h"
#include "kernels/isa.h"

namespace edgemt::ops {

inline constexpr int kAf8RowGroup = 16;  // output features the sparse kernel walks together
inline constexpr int kAf8CodePad = 8;    // zero codes after the last, so a kernel may read ahead

// Bitmask AF8 weights prepared once at load, laid out in the order the kernel walks them so both
// streams are read front to back: per group of 16 rows, per 64-element word of K, per row. A zero
// word (an all-zero 1×64 block) costs one test. Holds ceil(N/16)·16·ceil(K/64)·8 bytes of mask
// (≈ the source's N·K/8), nnz + 8 bytes of codes, 4·(N/16 + 1) bytes of offsets and a 1 KB table; the
// source can be released afterwards. Throws Error (naming `name`) when the format does not widen to
// fp32 or N·K ≥ 2^32.
struct Af8BitmaskWeights {
  Af8BitmaskWeights(const Af8BitmaskMatrix& w, const std::string& name);

  int rows;   // N
  int cols;   // K
  int words;  // mask words per row, ceil(K / 64)
  Af8Widen widen;
  std::array<float, 256> lut;         // code → value
  std::vector<uint64_t> mask;         // [groups, words, 16]: bit b of [g, j, r] is element (16g + r, 64j + b);
                                      // rows ≥ N and bits ≥ K are 0
  std::vector<uint32_t> group_start;  // [groups + 1]: index in `codes` of each group's first non-zero
  std::vector<uint8_t> codes;         // [nnz + kAf8CodePad] in the order of mask's set bits

  int groups() const { return (rows + kAf8RowGroup - 1) / kAf8RowGroup; }
  long nonzeros() const { return static_cast<long>(group_start.back()); }
  size_t bytes() const {
    return mask.size() * sizeof(uint64_t) + group_start.size() * sizeof(uint32_t) + codes.size() + sizeof(lut);
  }
};

// x [M, K] (row stride ldx), b [N] or nullptr → y [M, N] (row stride ldy). Threads: OpenMP over
// output features; the path is active_isa(). Per calling thread it keeps a buffer of xᵀ between
// calls: ≤ (M + 15) · 65 · ceil(K/64) floats.
void af8_bitmask_linear(const float* x, int M, int ldx, const Af8BitmaskWeights& w, const float* b, float* y, int ldy);
// The same on a given path (tests, benchmarks); `isa` must be supported (isa_supported).
void af8_bitmask_linear(Isa isa, const float* x, int M, int ldx, const Af8BitmaskWeights& w, const float* b, float* y,
                        int ldy);

}  // namespace edgemt::ops
