// Dense AF8 GEMM against the scalar reference on every ISA path this CPU has: odd shapes and tails,
// codes of both signs with zeros, exp_bits 2–4, several exponent biases, strided x and y.
// Tolerance per output: |y − y_ref| ≤ 1e-5 · (Σ_k |x_k·w_k| + |b|), y_ref in double (docs/kernels.md).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/af8_gemm.h"
#include "kernels/ref/af8_reference.h"
#include "support/af8_codes.h"

namespace edgemt {
namespace {

using ops::Isa;

constexpr double kTol = 1e-5;
constexpr float kSentinel = 12345.0f;  // y's padding columns must keep it

struct Case {
  int M, K, N;
  int exp_bits = 3, exp_bias = -8;
  bool bias = true;
  int ldx_pad = 0, ldy_pad = 0;  // extra row stride of x and y
};

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512})
    if (ops::isa_supported(isa)) out.push_back(isa);
  return out;
}

using testing::random_af8_codes;

struct Inputs {
  std::vector<float> x;        // [M, K + ldx_pad]; the padding holds NaN so reading it shows
  std::vector<float> xc;       // [M, K] contiguous copy for the reference
  std::vector<float> b;        // [N]
  std::vector<uint8_t> codes;  // [N, K]
};

Inputs make_inputs(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Inputs in;
  const int ldx = c.K + c.ldx_pad;
  in.x.assign(static_cast<size_t>(c.M) * ldx, std::numeric_limits<float>::quiet_NaN());
  in.xc.resize(static_cast<size_t>(c.M) * c.K);
  for (int i = 0; i < c.M; ++i)
    for (int k = 0; k < c.K; ++k)
      in.x[static_cast<size_t>(i) * ldx + k] = in.xc[static_cast<size_t>(i) * c.K + k] = u(rng);
  in.b.resize(static_cast<size_t>(c.N));
  for (auto& v : in.b) v = u(rng);
  in.codes = random_af8_codes(static_cast<size_t>(c.N) * c.K, rng);
  return in;
}

void expect_matches(const std::vector<float>& y, int ldy, const ref::LinearF64& r, int M, int N) {
  int bad = 0;
  for (int i = 0; i < M; ++i) {
    for (int n = 0; n < N; ++n) {
      const size_t o = static_cast<size_t>(i) * N + n;
      const double got = y[static_cast<size_t>(i) * ldy + n];
      if (!(std::fabs(got - r.y[o]) <= kTol * r.scale[o]) && bad++ < 5)
        ADD_FAILURE() << "y[" << i << "," << n << "] = " << got << ", reference " << r.y[o] << ", scale " << r.scale[o];
    }
    for (int n = N; n < ldy; ++n)
      if (y[static_cast<size_t>(i) * ldy + n] != kSentinel && bad++ < 5)
        ADD_FAILURE() << "wrote y padding at row " << i;
  }
  EXPECT_EQ(bad, 0);
}

void check(Isa isa, const Case& c, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << ops::isa_name(isa) << " M=" << c.M << " K=" << c.K << " N=" << c.N
                                    << " e=" << c.exp_bits << " bias=" << c.exp_bias << " b=" << c.bias << " ldx+"
                                    << c.ldx_pad << " ldy+" << c.ldy_pad);
  const Inputs in = make_inputs(c, seed);
  const ops::Af8Matrix m{in.codes.data(), c.N, c.K, c.exp_bits, c.exp_bias};
  const ops::Af8DenseWeights w(m, "test.weight");
  const int ldy = c.N + c.ldy_pad;
  std::vector<float> y(static_cast<size_t>(c.M) * ldy, kSentinel);
  const float* b = c.bias ? in.b.data() : nullptr;
  ops::af8_linear(isa, in.x.data(), c.M, c.K + c.ldx_pad, w, b, y.data(), ldy);
  expect_matches(y, ldy, ref::linear_f64(in.xc.data(), c.M, c.K, ref::af8_decode(m), b, c.N), c.M, c.N);
}

// M = 1, K = 1, N = 1, tails of the 16/32-wide panels, of the 4/6/8-row tiles and of the K blocks.
const std::vector<Case> kEdgeCases = {
    {1, 1, 1},
    {1, 768, 768},
    {7, 1, 33, 3, -8, false},
    {1, 37, 17},
    {6, 16, 16},
    {13, 257, 31, 3, 0},
    {9, 129, 48, 2, -3},
    {16, 300, 65, 4, -20, false, 3, 5},
    {5, 512, 15},
    {33, 70, 97, 3, -12, true, 1, 1},
    {64, 768, 40},
    {300, 40, 20, 3, -6},  // two M blocks
};

TEST(Af8Gemm, MatchesReferenceOnEdgeShapes) {
  for (Isa isa : supported_isas())
    for (size_t i = 0; i < kEdgeCases.size(); ++i) check(isa, kEdgeCases[i], static_cast<uint32_t>(100 + i));
}

TEST(Af8Gemm, MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    Case c{1 + static_cast<int>(rng() % 40), 1 + static_cast<int>(rng() % 400), 1 + static_cast<int>(rng() % 90)};
    c.exp_bits = 2 + static_cast<int>(rng() % 3);
    c.exp_bias = -static_cast<int>(rng() % 16);
    c.bias = rng() % 2 == 0;
    c.ldx_pad = static_cast<int>(rng() % 3);
    c.ldy_pad = static_cast<int>(rng() % 3);
    for (Isa isa : supported_isas()) check(isa, c, static_cast<uint32_t>(trial));
  }
}

TEST(Af8Gemm, EveryExponentWidthAndBias) {
  for (int e : {2, 3, 4})
    for (int bias : {-40, -10, -1, 0, 6})
      for (Isa isa : supported_isas()) check(isa, {11, 93, 35, e, bias}, static_cast<uint32_t>(e * 100 + bias + 50));
}

TEST(Af8Gemm, Avx512PathMatchesReference) {
  if (!ops::isa_supported(Isa::kAvx512)) GTEST_SKIP() << "this CPU has no AVX-512F: the AVX-512 path is not run";
  for (size_t i = 0; i < kEdgeCases.size(); ++i) check(Isa::kAvx512, kEdgeCases[i], static_cast<uint32_t>(i));
}

// x = identity makes y = Wᵀ exactly, so every path's widening is checked bit for bit against the
// formula, at the extreme exponent biases too.
TEST(Af8Gemm, WidensEveryCodeExactly) {
  const int N = 16, K = 48;  // 768 codes: every byte value three times
  std::vector<uint8_t> codes(static_cast<size_t>(N) * K);
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<uint8_t>(i * 7 % 256);
  std::vector<float> eye(static_cast<size_t>(K) * K, 0.0f);
  for (int k = 0; k < K; ++k) eye[static_cast<size_t>(k) * K + k] = 1.0f;
  for (int e = 0; e <= 7; ++e)
    for (int bias : {-126, -9, 0, 128 - (1 << e)}) {
      const ops::Af8Matrix m{codes.data(), N, K, e, bias};
      const ops::Af8DenseWeights w(m, "w");
      for (int c = 0; c < 256; ++c)
        ASSERT_EQ(w.lut[static_cast<size_t>(c)], ref::af8_value(static_cast<uint8_t>(c), e, bias)) << c;
      for (Isa isa : supported_isas()) {
        std::vector<float> y(static_cast<size_t>(K) * N);
        ops::af8_linear(isa, eye.data(), K, K, w, nullptr, y.data(), N);
        for (int k = 0; k < K; ++k)
          for (int n = 0; n < N; ++n)
            ASSERT_EQ(y[static_cast<size_t>(k) * N + n], ref::af8_value(codes[static_cast<size_t>(n) * K + k], e, bias))
                << ops::isa_name(isa) << " e=" << e << " bias=" << bias << " code "
                << int(codes[static_cast<size_t>(n) * K + k]);
      }
    }
}

TEST(Af8Gemm, ResultDoesNotDependOnThreadCount) {
  const Case c{37, 333, 200};
  const Inputs in = make_inputs(c, 5);
  const ops::Af8DenseWeights w({in.codes.data(), c.N, c.K, 3, -7}, "w");
  const int saved = omp_get_max_threads();
  for (Isa isa : supported_isas()) {
    std::vector<float> y1(static_cast<size_t>(c.M) * c.N), y3(y1.size());
    omp_set_num_threads(1);
    ops::af8_linear(isa, in.x.data(), c.M, c.K, w, in.b.data(), y1.data(), c.N);
    omp_set_num_threads(3);
    ops::af8_linear(isa, in.x.data(), c.M, c.K, w, in.b.data(), y3.data(), c.N);
    EXPECT_EQ(y1, y3) << ops::isa_name(isa);
  }
  omp_set_num_threads(saved);
}

TEST(Af8Gemm, PublicEntryRunsTheActivePath) {
  const Case c{20, 100, 50};
  const Inputs in = make_inputs(c, 9);
  const ops::Af8DenseWeights w({in.codes.data(), c.N, c.K, 3, -5}, "w");
  std::vector<float> a(static_cast<size_t>(c.M) * c.N), b(a.size());
  ops::af8_linear(in.x.data(), c.M, c.K, w, in.b.data(), a.data(), c.N);
  ops::af8_linear(ops::active_isa(), in.x.data(), c.M, c.K, w, in.b.data(), b.data(), c.N);
  EXPECT_EQ(a, b);
}

TEST(Af8Gemm, ZeroRowsOrColumns) {
  const std::vector<uint8_t> codes(64, 0x41);
  const ops::Af8DenseWeights w({codes.data(), 4, 0, 3, -3}, "w");  // K = 0: y = b
  const float x = 0, b[4] = {1, -2, 3, -4};
  std::vector<float> y(8, kSentinel);
  ops::af8_linear(&x, 2, 0, w, b, y.data(), 4);
  EXPECT_EQ(y, (std::vector<float>{1, -2, 3, -4, 1, -2, 3, -4}));
  ops::af8_linear(&x, 0, 0, w, b, nullptr, 4);  // M = 0: nothing to do
}

TEST(Af8Gemm, PreparedWeightsMemory) {
  const std::vector<uint8_t> codes(static_cast<size_t>(33) * 10, 1);
  const ops::Af8DenseWeights w({codes.data(), 33, 10, 3, -3}, "w");
  EXPECT_EQ(w.num_panels(), 3);
  EXPECT_EQ(w.bytes(), 3u * 16 * 10 + 1024);
}

TEST(Af8Gemm, RejectsFormatsThatDoNotWidenToFp32) {
  const uint8_t code = 0;
  const auto message = [&](int e, int bias) {
    try {
      ops::Af8DenseWeights w({&code, 1, 1, e, bias}, "encoder.ffn.weight");
    } catch (const Error& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(8, 0), "encoder.ffn.weight: AdaptivFloat exp_bits must be in 0..7, got 8");
  EXPECT_EQ(message(3, -127),
            "encoder.ffn.weight: AdaptivFloat exp_bias must be in -126..120 for 3 exponent bits (values must be "
            "normal fp32), got -127");
  EXPECT_NE(message(3, 121).find("got 121"), std::string::npos);
  EXPECT_EQ(message(3, 120), "no error");
}

}  // namespace
}  // namespace edgemt
