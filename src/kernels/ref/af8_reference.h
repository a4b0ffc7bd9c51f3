// Scalar references for the AdaptivFloat-8 kernels: codes decoded by the formula of ALGORITHMS.md §7
// (not by the kernels' bit moves or table), double accumulation, no threads.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/af8.h"

namespace edgemt::ref {

// (−1)^s · 2^(field + exp_bias) · (1 + m / 2^(7 − exp_bits)); field 0 and m 0 is zero.
double af8_value(uint8_t code, int exp_bits, int exp_bias);

// x rounded to bf16 (8 significant bits, ties to even; bf16 subnormals step by 2^-133) by the
// arithmetic definition, in double; beyond the largest bf16 → ±Inf; NaN, ±Inf and ±0 unchanged.
float bf16_round(float x);

// Weights decoded to double, [N, K].
std::vector<double> af8_decode(const ops::Af8Matrix& w);
std::vector<double> af8_decode(const ops::Af8BitmaskMatrix& w);

// y [M, N] = x [M, K] · Wᵀ + b (b [N] or nullptr) in double, and scale [M, N] = Σ_k |x_ik · w_nk| + |b_n|:
// the magnitude every output's rounding error is measured against.
struct LinearF64 {
  std::vector<double> y, scale;
};
LinearF64 linear_f64(const float* x, int M, int K, const std::vector<double>& w, const float* b, int N);

}  // namespace edgemt::ref
