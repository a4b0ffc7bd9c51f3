// Bitmask-sparse AF8 GEMM against the scalar reference on every ISA path this CPU has: sparsity 0,
// 50, 90 and 100 %, all-zero rows and 64-blocks, K not a multiple of 64 or 8, strided x and y.
// Tolerance per output: |y − y_ref| ≤ 1e-5 · (Σ_k |x_k·w_k| + |b|), y_ref in double (docs/kernels.md).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "kernels/ref/af8_reference.h"
#include "kernels/sparse_gemm.h"

namespace edgemt {
namespace {

using ops::Isa;

constexpr double kTol = 1e-5;
constexpr float kSentinel = -777.0f;  // y's padding columns must keep it

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512})
    if (ops::isa_supported(isa)) out.push_back(isa);
  return out;
}

enum class Pattern { kUniform, kZeroRows, kZeroBlocks };

// A bitmask tensor as the loader would hand it over: flat mask bits, codes of the set bits.
struct Sparse {
  std::vector<uint8_t> mask, codes;
  ops::Af8BitmaskMatrix view(int N, int K, int e, int bias) const { return {mask.data(), codes.data(), N, K, e, bias}; }
};

Sparse make_sparse(int N, int K, double sparsity, Pattern pattern, std::mt19937& rng) {
  Sparse s;
  s.mask.assign((static_cast<size_t>(N) * K + 7) / 8, 0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) {
      bool keep = u(rng) >= sparsity;
      if (pattern == Pattern::kZeroRows && n % 3 == 1) keep = false;
      if (pattern == Pattern::kZeroBlocks && (k / 64 + n) % 2 == 0) keep = false;
      if (!keep) continue;
      const size_t bit = static_cast<size_t>(n) * K + k;
      s.mask[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
      const uint32_t r = rng();
      // a few explicit zero codes under set bits; the rest non-zero, both signs
      s.codes.push_back(r % 50 == 0 ? static_cast<uint8_t>((r >> 8) & 0x80)
                                    : static_cast<uint8_t>((1 + (r >> 8) % 127) | ((r >> 16) & 0x80)));
    }
  return s;
}

struct Case {
  int M, K, N;
  double sparsity;
  Pattern pattern = Pattern::kUniform;
  int exp_bits = 3, exp_bias = -8;
  bool bias = true;
  int ldx_pad = 0, ldy_pad = 0;
};

void check(Isa isa, const Case& c, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << ops::isa_name(isa) << " M=" << c.M << " K=" << c.K << " N=" << c.N
                                    << " sparsity=" << c.sparsity << " pattern=" << static_cast<int>(c.pattern)
                                    << " e=" << c.exp_bits << " bias=" << c.exp_bias << " b=" << c.bias);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int ldx = c.K + c.ldx_pad, ldy = c.N + c.ldy_pad;
  std::vector<float> x(static_cast<size_t>(c.M) * ldx, std::numeric_limits<float>::quiet_NaN());
  std::vector<float> xc(static_cast<size_t>(c.M) * c.K), b(static_cast<size_t>(c.N));
  for (int i = 0; i < c.M; ++i)
    for (int k = 0; k < c.K; ++k) x[static_cast<size_t>(i) * ldx + k] = xc[static_cast<size_t>(i) * c.K + k] = u(rng);
  for (auto& v : b) v = u(rng);
  const Sparse s = make_sparse(c.N, c.K, c.sparsity, c.pattern, rng);
  const auto m = s.view(c.N, c.K, c.exp_bits, c.exp_bias);
  const ops::Af8BitmaskWeights w(m, "test.weight");
  ASSERT_EQ(w.nonzeros(), static_cast<long>(s.codes.size()));
  std::vector<float> y(static_cast<size_t>(c.M) * ldy, kSentinel);
  const float* bp = c.bias ? b.data() : nullptr;
  ops::af8_bitmask_linear(isa, x.data(), c.M, ldx, w, bp, y.data(), ldy);
  const ref::LinearF64 r = ref::linear_f64(xc.data(), c.M, c.K, ref::af8_decode(m), bp, c.N);
  int bad = 0;
  for (int i = 0; i < c.M; ++i) {
    for (int n = 0; n < c.N; ++n) {
      const size_t o = static_cast<size_t>(i) * c.N + n;
      const double got = y[static_cast<size_t>(i) * ldy + n];
      if (!(std::fabs(got - r.y[o]) <= kTol * r.scale[o]) && bad++ < 5)
        ADD_FAILURE() << "y[" << i << "," << n << "] = " << got << ", reference " << r.y[o] << ", scale " << r.scale[o];
    }
    for (int n = c.N; n < ldy; ++n)
      if (y[static_cast<size_t>(i) * ldy + n] != kSentinel && bad++ < 5) ADD_FAILURE() << "wrote y padding, row " << i;
  }
  EXPECT_EQ(bad, 0);
}

TEST(SparseGemm, MatchesReferenceAtEverySparsity) {
  uint32_t seed = 1;
  for (double sparsity : {0.0, 0.5, 0.9, 1.0})
    for (const Case& c : {Case{1, 1, 1, sparsity}, Case{1, 768, 96, sparsity}, Case{16, 130, 33, sparsity},
                          Case{7, 65, 17, sparsity, Pattern::kUniform, 2, -3, false, 2, 3},
                          Case{40, 300, 50, sparsity, Pattern::kUniform, 4, -20},
                          Case{71, 200, 20, sparsity, Pattern::kUniform, 3, 0, true, 1, 1},
                          Case{150, 90, 21, sparsity},    // three slabs of uneven width
                          Case{64, 1100, 20, sparsity}})  // K in two passes over a 64-row slab
      for (Isa isa : supported_isas()) check(isa, c, seed++);
}

TEST(SparseGemm, SkipsAllZeroRowsAndBlocks) {
  for (Pattern p : {Pattern::kZeroRows, Pattern::kZeroBlocks})
    for (Isa isa : supported_isas()) {
      check(isa, {24, 520, 45, 0.3, p}, 7);
      check(isa, {3, 64, 16, 0.0, p}, 8);
    }
}

TEST(SparseGemm, MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(23);
  for (int trial = 0; trial < 40; ++trial) {
    Case c{1 + static_cast<int>(rng() % 80), 1 + static_cast<int>(rng() % 300), 1 + static_cast<int>(rng() % 70),
           static_cast<double>(rng() % 100) / 100.0};
    c.exp_bits = 2 + static_cast<int>(rng() % 3);
    c.exp_bias = -static_cast<int>(rng() % 16);
    c.bias = rng() % 2 == 0;
    c.ldx_pad = static_cast<int>(rng() % 3);
    c.ldy_pad = static_cast<int>(rng() % 3);
    for (Isa isa : supported_isas()) check(isa, c, static_cast<uint32_t>(1000 + trial));
  }
}

TEST(SparseGemm, Avx512PathMatchesReference) {
  if (!ops::isa_supported(Isa::kAvx512)) GTEST_SKIP() << "this CPU has no AVX-512F: the AVX-512 path is not run";
  for (double sparsity : {0.0, 0.5, 0.9, 1.0}) {
    check(Isa::kAvx512, {1, 100, 17, sparsity}, 3);
    check(Isa::kAvx512, {70, 333, 40, sparsity, Pattern::kUniform, 2, -4, false, 1, 2}, 4);
  }
}

TEST(SparseGemm, ResultDoesNotDependOnThreadCount) {
  std::mt19937 rng(3);
  const int M = 50, K = 400, N = 130;
  const Sparse s = make_sparse(N, K, 0.5, Pattern::kUniform, rng);
  const ops::Af8BitmaskWeights w(s.view(N, K, 3, -6), "w");
  const std::vector<float> x(static_cast<size_t>(M) * K, 0.37f), b(static_cast<size_t>(N), -0.5f);
  const int saved = omp_get_max_threads();
  for (Isa isa : supported_isas()) {
    std::vector<float> y1(static_cast<size_t>(M) * N), y3(y1.size());
    omp_set_num_threads(1);
    ops::af8_bitmask_linear(isa, x.data(), M, K, w, b.data(), y1.data(), N);
    omp_set_num_threads(3);
    ops::af8_bitmask_linear(isa, x.data(), M, K, w, b.data(), y3.data(), N);
    EXPECT_EQ(y1, y3) << ops::isa_name(isa);
  }
  omp_set_num_threads(saved);
}

TEST(SparseGemm, PreparedWeightsLayoutAndMemory) {
  // N = 19, K = 70: row 1 starts at bit 70, inside byte 8, so rows are re-cut into their own words;
  // 19 rows make a full group of 16 and a group of 3 padded with empty rows.
  const int N = 19, K = 70;
  std::mt19937 rng(4);
  const Sparse s = make_sparse(N, K, 0.5, Pattern::kUniform, rng);
  const ops::Af8BitmaskWeights w(s.view(N, K, 3, -2), "w");
  ASSERT_EQ(w.words, 2);
  ASSERT_EQ(w.groups(), 2);
  ASSERT_EQ(w.mask.size(), 2u * 2 * 16);
  const auto word = [&](int n, int j) { return w.mask[(static_cast<size_t>(n / 16) * 2 + j) * 16 + n % 16]; };
  std::vector<std::vector<uint8_t>> row_codes(N);  // the source's codes, split by row
  size_t next = 0;
  for (int n = 0; n < N; ++n) {
    for (int k = 0; k < K; ++k) {
      const size_t bit = static_cast<size_t>(n) * K + k;
      const bool set = (s.mask[bit / 8] >> (bit % 8)) & 1;
      EXPECT_EQ(set, ((word(n, k / 64) >> (k % 64)) & 1) != 0) << n << "," << k;
      if (set) row_codes[static_cast<size_t>(n)].push_back(s.codes[next++]);
    }
    EXPECT_EQ(word(n, 1) >> 6, 0u);  // bits past K stay clear
  }
  for (int n = N; n < 32; ++n) EXPECT_EQ(word(n, 0) | word(n, 1), 0u);  // padding rows are empty
  // codes follow the walk: group, word, row
  std::vector<uint8_t> expected;
  std::vector<size_t> taken(N, 0);
  for (int g = 0; g < 2; ++g) {
    EXPECT_EQ(w.group_start[static_cast<size_t>(g)], expected.size());
    for (int j = 0; j < 2; ++j)
      for (int n = 16 * g; n < std::min(N, 16 * g + 16); ++n)
        for (int c = 0; c < std::popcount(word(n, j)); ++c)
          expected.push_back(row_codes[static_cast<size_t>(n)][taken[static_cast<size_t>(n)]++]);
  }
  EXPECT_EQ(w.group_start[2], expected.size());
  expected.resize(expected.size() + ops::kAf8CodePad, 0);  // zero codes to read ahead into
  EXPECT_EQ(w.codes, expected);
  EXPECT_EQ(w.nonzeros(), static_cast<long>(s.codes.size()));
  EXPECT_EQ(w.bytes(), 2u * 2 * 16 * 8 + 3u * 4 + s.codes.size() + 8 + 1024);
}

TEST(SparseGemm, ZeroRowsOrColumns) {
  const uint8_t none = 0;
  const ops::Af8BitmaskWeights w({&none, &none, 3, 0, 3, -3}, "w");  // K = 0: y = b
  const float x = 0, b[3] = {1, 2, 3};
  std::vector<float> y(6, kSentinel);
  ops::af8_bitmask_linear(&x, 2, 0, w, b, y.data(), 3);
  EXPECT_EQ(y, (std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(SparseGemm, RejectsFormatsThatDoNotWidenToFp32) {
  const uint8_t none = 0;
  try {
    ops::Af8BitmaskWeights w({&none, &none, 1, 1, 4, 113}, "encoder.query.weight");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "encoder.query.weight: AdaptivFloat exp_bias must be in -126..112 for 4 exponent bits (values must "
                 "be normal fp32), got 113");
  }
}

}  // namespace
}  // namespace edgemt
