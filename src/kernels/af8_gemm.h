// Linear layers with dense AdaptivFloat-8 weights: y = x·Wᵀ + b, codes widened to fp32 in the kernel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/af8.h"
#include "kernels/isa.h"

namespace edgemt::ops {

inline constexpr int kAf8Panel = 16;  // output features per code panel

// Dense AF8 weights prepared once at load: the codes reordered into panels of kAf8Panel output
// features so a kernel reads one k's 16 codes as one 16-byte load. Holds ceil(N/16)·16·K bytes of
// codes (the source's N·K plus the padding of the last panel) and a 1 KB table; the source can be
// released afterwards. Throws Error (naming `name`) when the format does not widen to fp32.
struct Af8DenseWeights {
  Af8DenseWeights(const Af8Matrix& w, const std::string& name);

  int rows;  // N
  int cols;  // K
  Af8Widen widen;
  std::array<float, 256> lut;   // code → value (the portable path decodes through it)
  std::vector<uint8_t> panels;  // [ceil(N/16), K, 16]; features past N hold code 0 (= 0.0)

  int num_panels() const { return (rows + kAf8Panel - 1) / kAf8Panel; }
  size_t bytes() const { return panels.size() + sizeof(lut); }
};

// x [M, K] (row stride ldx), b [N] or nullptr → y [M, N] (row stride ldy). Threads: OpenMP over
// output features; the path is active_isa().
void af8_linear(const float* x, int M, int ldx, const Af8DenseWeights& w, const float* b, float* y, int ldy);
// The same on a given path (tests, benchmarks); `isa` must be supported (isa_supported).
void af8_linear(Isa isa, const float* x, int M, int ldx, const Af8DenseWeights& w, const float* b, float* y, int ldy);

}  // namespace edgemt::ops
