// bf16 activations: rounding against the arithmetic reference, the AF8 → bf16 tile packing, the AMX
// kernel against the scalar reference on bf16-rounded x (skipped without AMX), and linear() on a
// part that rounds x itself (every path). Tolerance per output as for the AF8 kernels:
// |y − y_ref| ≤ 1e-5 · (Σ_k |x̂_k·w_k| + |b|), x̂ = bf16(x), y_ref in double.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "kernels/amx_gemm.h"
#include "kernels/ref/af8_reference.h"
#include "support/af8_codes.h"
#include "model/weights.h"

namespace edgemt {
namespace {

using ops::Isa;

constexpr float kSentinel = 12345.0f;

float from_bits(uint32_t u) { return std::bit_cast<float>(u); }

TEST(Bf16, RoundingMatchesTheArithmeticDefinition) {
  const float inf = std::numeric_limits<float>::infinity();
  struct Known {
    float x, rounded;
  };
  const Known known[] = {
      {1.0f + 0x1p-8f, 1.0f},                     // halfway, 1 is even
      {1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-6f},       // halfway, rounds up to even
      {1.0f + 0x1p-8f + 0x1p-20f, 1.0f + 0x1p-7f},  // just above halfway
      {-(1.0f + 0x1p-8f), -1.0f},
      {std::numeric_limits<float>::max(), inf},  // past the largest bf16 (0x7F7F) by more than half a step
      {from_bits(0x7F7F7FFFu), from_bits(0x7F7F0000u)},
      {from_bits(0x00008000u), 0.0f},            // subnormal halfway, 0 is even
      {from_bits(0x00018000u), from_bits(0x00020000u)},
      {-0.0f, -0.0f},
      {inf, inf},
      {-inf, -inf},
  };
  for (const auto& k : known) {
    EXPECT_EQ(std::bit_cast<uint32_t>(ref::bf16_round(k.x)), std::bit_cast<uint32_t>(k.rounded)) << k.x;
    EXPECT_EQ(std::bit_cast<uint32_t>(ops::bf16_round(k.x)), std::bit_cast<uint32_t>(k.rounded)) << k.x;
  }
  EXPECT_TRUE(std::isnan(ops::bf16_round(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(ops::bf16_round(from_bits(0x7F800001u)))) << "a NaN whose payload is in the low bits";
  std::mt19937 rng(5);
  for (int i = 0; i < 200000; ++i) {
    const float x = from_bits(static_cast<uint32_t>(rng()));
    if (std::isnan(x)) continue;
    ASSERT_EQ(std::bit_cast<uint32_t>(ops::bf16_round(x)), std::bit_cast<uint32_t>(ref::bf16_round(x))) << x;
  }
}

using testing::random_af8_codes;

TEST(AmxBf16Weights, TilesHoldTheWidenedWeightsPairedAlongK) {
  std::mt19937 rng(3);
  const int N = 37, K = 45, e = 3, bias = -9;
  const auto codes = random_af8_codes(static_cast<size_t>(N) * K, rng);
  const ops::AmxBf16Weights w({codes.data(), N, K, e, bias}, "t.weight");
  EXPECT_EQ(w.kpad, 64);
  EXPECT_EQ(w.panels, 4) << "3 panels of 16 rounded up to even";
  ASSERT_EQ(w.tiles.size(), static_cast<size_t>(4 * 64 * 16));
  EXPECT_EQ(w.bytes(), w.tiles.size() * 2);
  for (int p = 0; p < w.panels; ++p)
    for (int j = 0; j < w.kpad / 2; ++j)
      for (int f = 0; f < 16; ++f)
        for (int h = 0; h < 2; ++h) {
          const int n = 16 * p + f, k = 2 * j + h;
          const uint16_t got = w.tiles[((static_cast<size_t>(p) * (w.kpad / 2) + j) * 16 + f) * 2 + h];
          if (n >= N || k >= K) {
            ASSERT_EQ(got, 0) << "padding n=" << n << " k=" << k;
            continue;
          }
          const float v = static_cast<float>(ref::af8_value(codes[static_cast<size_t>(n) * K + k], e, bias));
          ASSERT_EQ(std::bit_cast<uint32_t>(v) & 0xFFFFu, 0u) << "AF8 values are bf16 numbers";
          // (code 0x80 widens to −0.0, which the formula gives as +0: compared as values)
          ASSERT_EQ(std::bit_cast<float>(static_cast<uint32_t>(got) << 16), v) << "n=" << n << " k=" << k;
        }
  EXPECT_THROW(ops::AmxBf16Weights({codes.data(), N, K, 3, 121}, "t.weight"), Error);
}

struct Case {
  int M, K, N;
  bool bias = true;
  int ldx_pad = 0, ldy_pad = 0;
};

struct Outcome {
  std::vector<float> y;
  ref::LinearF64 r;
  int ldy;
};

// x [M, K + ldx_pad] with NaN in the padding, codes [N, K], y's padding columns kSentinel; the
// reference is on bf16-rounded x, or on x itself (`round_x` false).
template <class F>
Outcome run_case(const Case& c, uint32_t seed, F&& kernel, bool round_x = true) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  const int ldx = c.K + c.ldx_pad, ldy = c.N + c.ldy_pad;
  std::vector<float> x(static_cast<size_t>(c.M) * ldx, std::numeric_limits<float>::quiet_NaN());
  std::vector<float> xr(static_cast<size_t>(c.M) * c.K), b(static_cast<size_t>(c.N));
  for (int i = 0; i < c.M; ++i)
    for (int k = 0; k < c.K; ++k) {
      const float v = u(rng);
      x[static_cast<size_t>(i) * ldx + k] = v;
      xr[static_cast<size_t>(i) * c.K + k] = round_x ? ref::bf16_round(v) : v;
    }
  for (auto& v : b) v = u(rng);
  const auto codes = random_af8_codes(static_cast<size_t>(c.N) * c.K, rng);
  const ops::Af8Matrix m{codes.data(), c.N, c.K, 3, -7};
  Outcome out{std::vector<float>(static_cast<size_t>(c.M) * ldy, kSentinel), {}, ldy};
  const float* bp = c.bias ? b.data() : nullptr;
  kernel(m, x.data(), ldx, bp, out.y.data(), ldy);
  out.r = ref::linear_f64(xr.data(), c.M, c.K, ref::af8_decode(m), bp, c.N);
  return out;
}

void expect_matches(const Outcome& run, const Case& c) {
  int bad = 0;
  for (int i = 0; i < c.M; ++i) {
    for (int n = 0; n < c.N; ++n) {
      const size_t o = static_cast<size_t>(i) * c.N + n;
      const double got = run.y[static_cast<size_t>(i) * run.ldy + n];
      if (!(std::fabs(got - run.r.y[o]) <= 1e-5 * run.r.scale[o]) && bad++ < 5)
        ADD_FAILURE() << "y[" << i << "," << n << "] = " << got << ", reference " << run.r.y[o];
    }
    for (int n = c.N; n < run.ldy; ++n)
      if (run.y[static_cast<size_t>(i) * run.ldy + n] != kSentinel && bad++ < 5) ADD_FAILURE() << "wrote padding";
  }
  EXPECT_EQ(bad, 0);
}

// Tails of the 16-row tiles, of the 32-row pairs, of the 32-wide k steps and of the panel pairs.
const std::vector<Case> kCases = {
    {1, 1, 1},     {1, 768, 768},          {15, 31, 17, false}, {16, 32, 16},      {17, 33, 33},
    {32, 64, 32},  {33, 100, 40, true, 3, 2}, {48, 768, 100},   {64, 768, 768},    {128, 3072, 50},
    {7, 1000, 3, false, 1, 1},
};

TEST(AmxGemm, MatchesReferenceOnBf16RoundedX) {
  if (!ops::isa_supported(Isa::kAmx) || ops::active_isa() != Isa::kAmx)
    GTEST_SKIP() << "this CPU (or EDGEMT_ISA) has no AMX: the AMX path is not run";
  for (size_t i = 0; i < kCases.size(); ++i) {
    const Case& c = kCases[i];
    SCOPED_TRACE(::testing::Message() << "M=" << c.M << " K=" << c.K << " N=" << c.N);
    const Outcome run = run_case(c, static_cast<uint32_t>(i), [&](const ops::Af8Matrix& m, const float* x, int ldx,
                                                              const float* b, float* y, int ldy) {
      ops::amx_bf16_linear(x, c.M, ldx, ops::AmxBf16Weights(m, "w"), b, y, ldy);
    });
    expect_matches(run, c);
  }
}

// fp32 activations: x as three bf16 terms, which hold it exactly, so the reference is on x itself. A
// kernel that used one term would miss by up to 2^-9 of each product, far outside 1e-5 (checked
// below).
TEST(AmxGemm, ThreeBf16TermsMatchReferenceOnFp32X) {
  if (!ops::isa_supported(Isa::kAmx) || ops::active_isa() != Isa::kAmx)
    GTEST_SKIP() << "this CPU (or EDGEMT_ISA) has no AMX: the AMX path is not run";
  for (size_t i = 0; i < kCases.size(); ++i) {
    const Case& c = kCases[i];
    SCOPED_TRACE(::testing::Message() << "M=" << c.M << " K=" << c.K << " N=" << c.N);
    const Outcome run = run_case(
        c, static_cast<uint32_t>(100 + i),
        [&](const ops::Af8Matrix& m, const float* x, int ldx, const float* b, float* y, int ldy) {
          ops::amx_bf16_linear(x, c.M, ldx, ops::AmxBf16Weights(m, "w"), b, y, ldy, ops::AmxActivations::kFp32);
        },
        /*round_x=*/false);
    expect_matches(run, c);
  }
  // One bf16 term is not enough for that tolerance: the test can tell.
  const Case c{16, 256, 16};
  const Outcome one = run_case(
      c, 7,
      [&](const ops::Af8Matrix& m, const float* x, int ldx, const float* b, float* y, int ldy) {
        ops::amx_bf16_linear(x, c.M, ldx, ops::AmxBf16Weights(m, "w"), b, y, ldy, ops::AmxActivations::kBf16);
      },
      /*round_x=*/false);
  int off = 0;
  for (int i = 0; i < c.M * c.N; ++i)
    off += std::fabs(one.y[static_cast<size_t>(i)] - one.r.y[static_cast<size_t>(i)]) > 1e-5 * one.r.scale[static_cast<size_t>(i)];
  EXPECT_GT(off, c.M * c.N / 2);
}

// linear() on a part that asks for bf16 activations: on AMX machines prepared as tiles by load, here
// an AF8 part with bf16_x, which rounds x before the fp32 kernels (dense and bitmask).
TEST(AmxGemm, LinearRoundsXForAnAf8PartThatAsksForBf16) {
  for (int sparse = 0; sparse < 2; ++sparse)
    for (size_t i = 0; i < kCases.size(); ++i) {
      Case c = kCases[i];
      c.ldx_pad = c.ldy_pad = 0;  // linear() takes contiguous x and y
      SCOPED_TRACE(::testing::Message() << "sparse=" << sparse << " M=" << c.M << " K=" << c.K << " N=" << c.N);
      const Outcome run = run_case(c, static_cast<uint32_t>(50 + i), [&](const ops::Af8Matrix& m, const float* x, int,
                                                                    const float* b, float* y, int) {
        auto parts = std::make_shared<std::vector<LinearPart>>();
        if (sparse) {
          std::vector<uint8_t> mask((static_cast<size_t>(c.N) * c.K + 7) / 8, 0), nz;
          for (size_t e = 0; e < static_cast<size_t>(c.N) * c.K; ++e)
            if (m.codes[e] & 0x7F) {
              mask[e / 8] |= static_cast<uint8_t>(1u << (e % 8));
              nz.push_back(m.codes[e]);
            }
          parts->push_back({0, ops::Af8BitmaskWeights({mask.data(), nz.data(), c.N, c.K, 3, -7}, "w"), true});
        } else {
          parts->push_back({0, ops::Af8DenseWeights(m, "w"), true});
        }
        linear(LinearW{b, c.N, c.K, parts}, x, c.M, y);
      });
      expect_matches(run, c);
    }
}

}  // namespace
}  // namespace edgemt
