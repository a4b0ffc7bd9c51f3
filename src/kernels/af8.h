// AdaptivFloat-8 weight formats as the kernels consume them (ALGORITHMS.md §7, ARCHITECTURE.md
// "Compressed tensors") and the bit moves that widen a code to fp32.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace edgemt::ops {

// code = sign (bit 7) | exp_bits exponent bits | 7 − exp_bits mantissa bits;
// value = (−1)^s · 2^(field + exp_bias) · (1 + m / 2^(7 − exp_bits)); code & 0x7F == 0 is zero.

// Dense codes, row-major [N, K] (the orientation of a PyTorch Linear weight).
struct Af8Matrix {
  const uint8_t* codes;  // [N, K]
  int rows;              // N, out features
  int cols;              // K, in features
  int exp_bits;
  int exp_bias;
};

// Bitmask layout: one bit per element plus the codes of the non-zeros only. The caller guarantees
// `codes` holds popcount(mask) bytes (the loader checks the tensor's size against the mask).
struct Af8BitmaskMatrix {
  const uint8_t* mask;   // [N·K] bits, row-major, least significant bit first in each byte
  const uint8_t* codes;  // [popcount(mask)] codes of the non-zeros, row-major order
  int rows;              // N
  int cols;              // K
  int exp_bits;
  int exp_bias;
};

// fp32 bits of a code: ((code & 0x7F) << shift) + exp_add puts the mantissa on top of fp32's
// mantissa and adds the biased exponent; the sign is bit 7 moved to bit 31; code & 0x7F == 0 → 0.
// Exact when every non-zero value is a normal fp32: exp_bias ∈ [−126, 128 − 2^exp_bits].
struct Af8Widen {
  int shift;         // 23 − mantissa bits
  uint32_t exp_add;  // (exp_bias + 127) << 23
};

// Throws Error naming `what` unless the format widens exactly to fp32 (see Af8Widen).
inline Af8Widen af8_widen(int exp_bits, int exp_bias, const std::string& what) {
  if (exp_bits < 0 || exp_bits > 7)
    throw Error(what + ": AdaptivFloat exp_bits must be in 0..7, got " + std::to_string(exp_bits));
  const int max_bias = 128 - (1 << exp_bits);
  if (exp_bias < -126 || exp_bias > max_bias)
    throw Error(what + ": AdaptivFloat exp_bias must be in -126.." + std::to_string(max_bias) + " for " +
                std::to_string(exp_bits) + " exponent bits (values must be normal fp32), got " +
                std::to_string(exp_bias));
  return {23 - (7 - exp_bits), static_cast<uint32_t>(exp_bias + 127) << 23};
}

inline float af8_widen_one(uint8_t code, Af8Widen w) {
  const uint32_t mag = code & 0x7Fu;
  const uint32_t bits = mag == 0 ? 0u : (mag << w.shift) + w.exp_add;
  return std::bit_cast<float>(bits | (static_cast<uint32_t>(code & 0x80u) << 24));
}

// code → value, 1 KB per tensor.
inline std::array<float, 256> af8_lut(Af8Widen w) {
  std::array<float, 256> lut{};
  for (int c = 0; c < 256; ++c) lut[static_cast<size_t>(c)] = af8_widen_one(static_cast<uint8_t>(c), w);
  return lut;
}

}  // namespace edgemt::ops
