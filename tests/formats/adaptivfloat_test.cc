// AdaptivFloat codec: hand-computed codes (ties, vmin/2, vmin, vmax, saturation, zeros, carries),
// the exponent-bias rule, and a randomized comparison with a deliberately naive nearest-value search.
#include "formats/adaptivfloat.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "core/error.h"

namespace edgemt::af {
namespace {

constexpr AfFormat kAf8{.bits = 8, .exp_bits = 3, .exp_bias = 0};  // values 2^f·(1 + m/16), f 0…7

// The naive reference: walk every non-negative code in increasing value and keep the nearest
// value; on a tie the code with the even mantissa wins. Values come from the definition, not from
// decode(). "v is nearer than the best so far" is tested as a > (best + v)/2, which is exact in
// double (|a − v| itself is not, for huge a).
uint8_t naive_encode(float x, const AfFormat& f) {
  const int mant = f.bits - 1 - f.exp_bits;
  const double a = std::fabs(static_cast<double>(x));
  int best = 0;
  double best_v = 0.0;
  for (int code = 1; code < (1 << (f.bits - 1)); ++code) {
    const int field = code >> mant, m = code & ((1 << mant) - 1);
    const double v = std::ldexp(1.0 + m / std::ldexp(1.0, mant), field + f.exp_bias);
    const double mid = (best_v + v) / 2;
    if (a > mid || (a == mid && m % 2 == 0)) {
      best = code;
      best_v = v;
    }
  }
  return static_cast<uint8_t>(best == 0 || !std::signbit(x) ? best : best | (1 << (f.bits - 1)));
}

TEST(AdaptivFloat, FormatLimits) {
  EXPECT_EQ(kAf8.mant_bits(), 4);
  EXPECT_DOUBLE_EQ(kAf8.vmin(), 1.0625);
  EXPECT_DOUBLE_EQ(kAf8.vmax(), 248.0);  // 2^7 · (2 − 1/16)
  EXPECT_EQ(kAf8.max_code(), 0x7f);
  const AfFormat f62{.bits = 6, .exp_bits = 2, .exp_bias = 0};
  EXPECT_DOUBLE_EQ(f62.vmin(), 1.125);
  EXPECT_DOUBLE_EQ(f62.vmax(), 15.0);  // 2^3 · (2 − 1/8)
}

TEST(AdaptivFloat, HandComputedAf8) {
  struct Case {
    float x;
    uint8_t code;
  };
  const Case cases[] = {
      {0.0f, 0x00},                            // zero
      {-0.0f, 0x00},                           // −0: code 0, the sign is dropped
      {1e-30f, 0x00},                          // tiny
      {-1e-30f, 0x00},                         // tiny, negative: still code 0
      {0.53125f, 0x00},                        // exactly vmin/2: ties to zero
      {std::nextafter(0.53125f, 1.0f), 0x01},  // just above vmin/2 → vmin
      {-std::nextafter(0.53125f, 1.0f), 0x81},
      {0.8f, 0x01},                            // below vmin → vmin
      {1.0f, 0x01},                            // 2^bias itself is not representable
      {1.0625f, 0x01},                         // vmin
      {-1.0625f, 0x81},                        // −vmin
      {1.125f, 0x02},                          // f 0, m 2
      {2.0f, 0x10},                            // f 1, m 0
      {3.0f, 0x18},                            // f 1, m 8
      {-6.0f, 0xa8},                           // sign, f 2, m 8
      {1.09375f, 0x02},                        // tie between m 1 and m 2 → even 2
      {1.15625f, 0x02},                        // tie between m 2 and m 3 → even 2
      {2.1875f, 0x12},                         // the same ties one exponent up
      {2.3125f, 0x12},
      {std::nextafter(2.1875f, 0.0f), 0x11},   // just below a tie: nearest
      {std::nextafter(2.3125f, 9.0f), 0x13},   // just above a tie: nearest
      {3.9f, 0x1f},                            // nearest is 3.875 (f 1, m 15)
      {3.9375f, 0x20},                         // tie 3.875 | 4: even mantissa = carry to f 2, m 0
      {248.0f, 0x7f},                          // vmax
      {-248.0f, 0xff},                         // −vmax
      {250.0f, 0x7f},                          // above vmax: saturate
      {252.0f, 0x7f},                          // the tie vmax | 256 saturates too
      {1e30f, 0x7f},                           // huge
      {-1e30f, 0xff},
      {std::numeric_limits<float>::max(), 0x7f},
  };

  for (const auto& c : cases) {
    EXPECT_EQ(encode_one(c.x, kAf8), c.code) << c.x;
    EXPECT_EQ(naive_encode(c.x, kAf8), c.code) << "reference disagrees with the hand value at " << c.x;
  }
  EXPECT_EQ(decode(0x01, kAf8), 1.0625f);
  EXPECT_EQ(decode(0x12, kAf8), 2.25f);
  EXPECT_EQ(decode(0x20, kAf8), 4.0f);
  EXPECT_EQ(decode(0x7f, kAf8), 248.0f);
  EXPECT_EQ(decode(0xff, kAf8), -248.0f);
  EXPECT_EQ(decode(0x80, kAf8), 0.0f);
  EXPECT_FALSE(std::signbit(decode(0x80, kAf8))) << "both zero codes are +0";
}

TEST(AdaptivFloat, OtherWidths) {
  const AfFormat f62{.bits = 6, .exp_bits = 2, .exp_bias = 0};  // 2^f·(1 + m/8), f 0…3
  EXPECT_EQ(encode_one(0.5625f, f62), 0x00);                    // vmin/2
  EXPECT_EQ(encode_one(0.6f, f62), 0x01);
  EXPECT_EQ(encode_one(1.1875f, f62), 0x02);  // tie m 1 | m 2
  EXPECT_EQ(encode_one(3.875f, f62), 0x10);   // tie 3.75 | 4 → carry
  EXPECT_EQ(encode_one(-15.0f, f62), 0x3f);   // −vmax
  EXPECT_EQ(encode_one(16.0f, f62), 0x1f);
  EXPECT_EQ(decode(0x3f, f62), -15.0f);

  const AfFormat f84{.bits = 8, .exp_bits = 4, .exp_bias = -3};  // 2^(f−3)·(1 + m/8), f 0…15
  EXPECT_DOUBLE_EQ(f84.vmax(), 7680.0);                          // 2^12 · 1.875
  EXPECT_EQ(encode_one(48.0f, f84), (8 << 3) | 4);               // 2^5 · 1.5: field 5 − (−3) = 8, m 4
  EXPECT_EQ(encode_one(1e30f, f84), 0x7f);
  EXPECT_EQ(encode_one(0.0703125f, f84), 0x00);  // vmin/2 = 2^−3 · 1.125 / 2
}

TEST(AdaptivFloat, ChoosesTheBiasFromTheLargestMagnitude) {
  const std::vector<float> one{0.25f, -1.0f, 0.5f};
  EXPECT_EQ(choose_exp_bias(one, 8, 3), -7);                       // floor(log2 1) − 7
  EXPECT_EQ(choose_exp_bias(std::vector<float>{0.9f}, 8, 3), -8);  // floor(log2 0.9) = −1
  EXPECT_EQ(choose_exp_bias(std::vector<float>{-3.99f}, 8, 3), -6);
  EXPECT_EQ(choose_exp_bias(std::vector<float>{4.0f}, 8, 4), 2 - 15);
  EXPECT_EQ(choose_exp_bias(std::vector<float>{0.0f, -0.0f}, 8, 3), 0) << "all-zero tensor";
  EXPECT_EQ(choose_exp_bias(std::vector<float>{}, 8, 3), 0) << "empty tensor";
  EXPECT_EQ(choose_exp_bias(std::vector<float>{std::ldexp(1.0f, -130)}, 8, 3), kMinExpBias) << "subnormal max";
  EXPECT_EQ(choose_exp_bias(std::vector<float>{std::numeric_limits<float>::max()}, 8, 3), 127 - 7);
  // The largest magnitude lands in the top exponent, and the largest value is exact when it is a power of 2.
  const AfFormat f = fit_format(one, 8, 3);
  EXPECT_EQ(encode_one(-1.0f, f), 0xf0);
  EXPECT_EQ(decode(0xf0, f), -1.0f);
}

TEST(AdaptivFloat, NonFiniteAndBadWidthsAreErrors) {
  const std::vector<float> nan{1.0f, std::numeric_limits<float>::quiet_NaN()};
  const std::vector<float> inf{-std::numeric_limits<float>::infinity()};
  try {
    choose_exp_bias(nan, 8, 3, "encoder.ffn.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "encoder.ffn.weight: element 1 is NaN, AdaptivFloat needs finite values");
  }
  try {
    encode(inf, kAf8, "pooler.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "pooler.weight: element 0 is Inf, AdaptivFloat needs finite values");
  }
  EXPECT_THROW(check_bits(9, 3, "x"), Error);
  EXPECT_THROW(check_bits(2, 1, "x"), Error);
  EXPECT_THROW(check_bits(8, 0, "x"), Error);
  EXPECT_THROW(check_bits(8, 7, "x"), Error);  // no mantissa bit left
  EXPECT_NO_THROW(check_bits(8, 6, "x"));
  EXPECT_NO_THROW(check_bits(3, 1, "x"));
  try {
    check_bits(9, 3, "--bits");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--bits: bits 9 outside [3, 8]");
  }
}

const AfFormat kFormats[] = {{8, 3, 0}, {6, 2, 0}, {8, 4, 0}, {5, 2, 0}, {3, 1, 0}, {8, 6, 0}, {7, 3, 0}};

TEST(AdaptivFloat, EveryCodeRoundTrips) {
  for (AfFormat f : kFormats)
    for (int bias : {kMinExpBias, -10, -3, 0, 5, 127 - f.max_field()}) {
      f.exp_bias = bias;
      const DecodeTable lut = decode_table(f);
      for (unsigned c = 0; c < 256; ++c) {
        if (c >= (1u << f.bits)) {
          EXPECT_TRUE(std::isnan(lut[c]));
          continue;
        }
        const auto code = static_cast<uint8_t>(c);
        const float v = decode(code, f);
        EXPECT_TRUE(std::isfinite(v) && (v == 0.0f || std::isnormal(v))) << c;
        EXPECT_EQ(std::bit_cast<uint32_t>(lut[c]), std::bit_cast<uint32_t>(v)) << c;
        const bool negative_zero_code = c == (1u << (f.bits - 1));
        EXPECT_EQ(encode_one(v, f), negative_zero_code ? 0 : code)
            << "bits " << f.bits << " e " << f.exp_bits << " bias " << bias << " code " << c;
      }
    }
}

TEST(AdaptivFloat, Af8DecodesExactlyToBf16) {
  for (int bias : {-20, -10, 0}) {
    const AfFormat f{.bits = 8, .exp_bits = 3, .exp_bias = bias};
    for (unsigned c = 0; c < 256; ++c)
      EXPECT_EQ(std::bit_cast<uint32_t>(decode(static_cast<uint8_t>(c), f)) & 0xffffu, 0u) << c;
  }
}

// 100k random floats from several distributions and formats against the naive reference.
TEST(AdaptivFloat, MatchesTheNaiveReferenceOnRandomInputs) {
  std::mt19937 rng(20240607);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::uniform_real_distribution<float> log_mag(-40.0f, 40.0f);
  std::vector<std::vector<float>> sets(5);
  for (int i = 0; i < 20000; ++i) {
    sets[0].push_back(normal(rng) * 0.02f);                                               // weights
    sets[1].push_back(uniform(rng) * 3.0f);                                               // uniform
    sets[2].push_back((uniform(rng) < 0 ? -1.0f : 1.0f) * std::exp2(log_mag(rng)));       // wide range
    sets[3].push_back(std::bit_cast<float>(static_cast<uint32_t>(rng()) & 0xbfffffffu));  // any finite bits
  }
  // Exact midpoints between neighbours of AF8 with bias −7 (ties), and values around vmin/2.
  const AfFormat tie_f{.bits = 8, .exp_bits = 3, .exp_bias = -7};
  for (int i = 0; i < 20000; ++i) {
    const int c = static_cast<int>(rng() % 126) + 1;
    const double lo = decode(static_cast<uint8_t>(c), tie_f), hi = decode(static_cast<uint8_t>(c + 1), tie_f);
    const double nudge = (rng() % 3) == 0 ? 0.0 : ((rng() & 1) ? 1e-7 : -1e-7) * lo;
    sets[4].push_back(static_cast<float>((lo + hi) / 2 + nudge) * ((rng() & 1) ? 1.0f : -1.0f));
  }
  sets[4][0] = static_cast<float>(tie_f.vmin() / 2);
  sets[4][1] = std::nextafter(static_cast<float>(tie_f.vmin() / 2), 1.0f);
  size_t compared = 0;
  for (size_t s = 0; s < sets.size(); ++s)
    for (AfFormat f : kFormats) {
      const auto& w = sets[s];
      // The bias of a chosen half, so the other half also exercises saturation and flushing to zero.
      f.exp_bias = s == 4 && f.bits == 8 && f.exp_bits == 3
                       ? -7
                       : choose_exp_bias(std::span<const float>(w).first(w.size() / 2), f.bits, f.exp_bits);
      const auto codes = encode(w, f);
      for (size_t i = 0; i < w.size(); ++i) {
        ASSERT_EQ(codes[i], naive_encode(w[i], f))
            << "set " << s << " x " << w[i] << " bits " << f.bits << " e " << f.exp_bits << " bias " << f.exp_bias;
        ++compared;
      }
    }
  EXPECT_GE(compared, 100000u * std::size(kFormats));
}

TEST(AdaptivFloat, QuantisationIsMonotonic) {
  const AfFormat f{.bits = 8, .exp_bits = 3, .exp_bias = -9};
  float prev = -std::numeric_limits<float>::infinity();
  for (double x = -5.0; x <= 5.0; x += 0.000731) {
    const float v = decode(encode_one(static_cast<float>(x), f), f);
    EXPECT_GE(v, prev) << x;
    prev = v;
  }
}

}  // namespace
}  // namespace edgemt::af
