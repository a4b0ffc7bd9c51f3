// AdaptivFloat (Tambe et al., DAC 2020; ALGORITHMS.md §7): an n-bit float whose exponent range
// follows each tensor's largest magnitude. A code is sign | exponent field | mantissa, no denormals,
// field 0 with mantissa 0 is zero. This file is the reference codec the kernels must agree with.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edgemt::af {

// Codes are stored one per byte; at least one exponent and one mantissa bit.
inline constexpr int kMinBits = 3;
inline constexpr int kMaxBits = 8;
// exp_bias never goes below f32's smallest normal exponent, so every value decodes to a normal f32.
inline constexpr int kMinExpBias = -126;

struct AfFormat {
  int bits = 8;      // n = 1 sign + exp_bits + mant_bits()
  int exp_bits = 3;  // e
  int exp_bias = 0;  // a value's exponent is field + exp_bias

  int mant_bits() const { return bits - 1 - exp_bits; }
  int max_field() const { return (1 << exp_bits) - 1; }                               // 2^e − 1
  int max_exp_bias() const { return 127 - max_field(); }                              // keeps vmax a finite f32
  uint8_t max_code() const { return static_cast<uint8_t>((1u << (bits - 1)) - 1u); }  // +vmax
  double vmin() const;  // 2^exp_bias · (1 + 2^−mant): smallest non-zero magnitude (field 0, m 1)
  double vmax() const;  // 2^(exp_bias + 2^e − 1) · (2 − 2^−mant)
};

// Named formats, as data: `edgemt compress --weights af8` is the row {"af8", 8, 3}.
struct AfPreset {
  std::string_view name;
  int bits;
  int exp_bits;
};
inline constexpr AfPreset kPresets[] = {{"af8", 8, 3}};

// Throws edgemt::Error "<what>: bits N outside [3, 8]" or "<what>: exp_bits E outside [1, N−2]".
void check_bits(int bits, int exp_bits, std::string_view what);

// exp_bias = floor(log2 max|w|) − (2^e − 1), at least kMinExpBias. An all-zero (or empty) tensor
// gets 0: every element encodes to code 0 whatever the bias. NaN/Inf → edgemt::Error naming `name`.
int choose_exp_bias(std::span<const float> w, int bits, int exp_bits, std::string_view name = "tensor");
// {bits, exp_bits, choose_exp_bias(w, …)}.
AfFormat fit_format(std::span<const float> w, int bits, int exp_bits, std::string_view name = "tensor");

// One finite value. Zero, −0 and everything that rounds to zero is code 0 (the sign is dropped).
uint8_t encode_one(float x, const AfFormat& f);
// Every element of w [n] → codes [n]; NaN/Inf → edgemt::Error naming `name`, the index and value.
std::vector<uint8_t> encode(std::span<const float> w, const AfFormat& f, std::string_view name = "tensor");

// A code below 2^bits. Both zero codes (0 and the sign bit alone) decode to +0.
float decode(uint8_t code, const AfFormat& f);
// decode() of every code, the kernels' LUT; codes ≥ 2^bits are invalid and hold NaN.
using DecodeTable = std::array<float, 256>;
DecodeTable decode_table(const AfFormat& f);

}  // namespace edgemt::af
