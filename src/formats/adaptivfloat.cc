// AdaptivFloat encode/decode. Arithmetic is in double, where every f32 input, every representable
// value and the scaled mantissa (a/2^E − 1)·2^mant are exact, so rounding happens exactly once.
#include "formats/adaptivfloat.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"

namespace edgemt::af {

double AfFormat::vmin() const { return std::ldexp(1.0 + std::ldexp(1.0, -mant_bits()), exp_bias); }

double AfFormat::vmax() const { return std::ldexp(2.0 - std::ldexp(1.0, -mant_bits()), exp_bias + max_field()); }

void check_bits(int bits, int exp_bits, std::string_view what) {
  if (bits < kMinBits || bits > kMaxBits)
    throw Error(std::string(what) + ": bits " + std::to_string(bits) + " outside [" + std::to_string(kMinBits) + ", " +
                std::to_string(kMaxBits) + "]");
  if (exp_bits < 1 || exp_bits > bits - 2)
    throw Error(std::string(what) + ": exp_bits " + std::to_string(exp_bits) + " outside [1, " +
                std::to_string(bits - 2) + "] (bits " + std::to_string(bits) +
                " = 1 sign + exp_bits + at least 1 mantissa bit)");
}

namespace {

void check_finite(std::span<const float> w, std::string_view name) {
  for (size_t i = 0; i < w.size(); ++i)
    if (!std::isfinite(w[i]))
      throw Error(std::string(name) + ": element " + std::to_string(i) + " is " + (std::isnan(w[i]) ? "NaN" : "Inf") +
                  ", AdaptivFloat needs finite values");
}

}  // namespace

int choose_exp_bias(std::span<const float> w, int bits, int exp_bits, std::string_view name) {
  check_bits(bits, exp_bits, name);
  check_finite(w, name);
  float max_abs = 0.0f;
  for (float x : w) max_abs = std::max(max_abs, std::fabs(x));
  if (max_abs == 0.0f) return 0;
  int k = 0;
  std::frexp(max_abs, &k);  // max = fr · 2^k, fr ∈ [0.5, 1): floor(log2 max) = k − 1, exactly
  return std::max(kMinExpBias, (k - 1) - ((1 << exp_bits) - 1));
}

AfFormat fit_format(std::span<const float> w, int bits, int exp_bits, std::string_view name) {
  return {.bits = bits, .exp_bits = exp_bits, .exp_bias = choose_exp_bias(w, bits, exp_bits, name)};
}

uint8_t encode_one(float x, const AfFormat& f) {
  const int mant = f.mant_bits();
  const auto sign = static_cast<uint8_t>(std::signbit(x) ? 1u << (f.bits - 1) : 0u);
  const double a = std::fabs(static_cast<double>(x));
  const double vmin = f.vmin();
  if (a <= vmin / 2) return 0;                    // the tie at vmin/2 goes to zero (even mantissa)
  if (a < vmin) return sign | 1u;                 // field 0, m 1
  if (a >= f.vmax()) return sign | f.max_code();  // saturate
  int k = 0;
  const double fr = std::frexp(a, &k);                // a = fr · 2^k = (2·fr) · 2^(k−1)
  int e = k - 1;                                      // ≥ exp_bias because a ≥ vmin
  const double q = std::ldexp(2.0 * fr - 1.0, mant);  // scaled mantissa in [0, 2^mant), exact
  double m = std::floor(q);
  const double rem = q - m;
  if (rem > 0.5 || (rem == 0.5 && std::fmod(m, 2.0) != 0.0)) m += 1.0;  // nearest, ties to even
  if (m == std::ldexp(1.0, mant)) {                                     // carry into the next exponent
    m = 0.0;
    e += 1;
  }
  const int field = e - f.exp_bias;
  if (field > f.max_field()) return sign | f.max_code();
  return static_cast<uint8_t>(sign | (field << mant) | static_cast<int>(m));
}

std::vector<uint8_t> encode(std::span<const float> w, const AfFormat& f, std::string_view name) {
  check_bits(f.bits, f.exp_bits, name);
  check_finite(w, name);
  std::vector<uint8_t> codes(w.size());
  for (size_t i = 0; i < w.size(); ++i) codes[i] = encode_one(w[i], f);
  return codes;
}

float decode(uint8_t code, const AfFormat& f) {
  EDGEMT_CHECK(code < (1u << f.bits));
  const int mant = f.mant_bits();
  const int m = code & ((1 << mant) - 1);
  const int field = (code >> mant) & f.max_field();
  if (field == 0 && m == 0) return 0.0f;
  const double v = std::ldexp(1.0 + std::ldexp(static_cast<double>(m), -mant), field + f.exp_bias);
  return static_cast<float>((code >> (f.bits - 1)) & 1u ? -v : v);
}

DecodeTable decode_table(const AfFormat& f) {
  DecodeTable t;
  for (unsigned c = 0; c < t.size(); ++c)
    t[c] = c < (1u << f.bits) ? decode(static_cast<uint8_t>(c), f) : std::numeric_limits<float>::quiet_NaN();
  return t;
}

}  // namespace edgemt::af
