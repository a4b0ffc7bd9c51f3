// Packed fp32 GEMM against the double reference on every ISA path this CPU has: odd shapes, panel
// and K-block tails, strided x and y, bias or none, thread-count independence.
// Tolerance per output: |y − y_ref| ≤ 1e-5 · (Σ_k |x_k·w_k| + |b|), as for the AF8 kernels
// (docs/kernels.md "Accuracy and tests").
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "kernels/packed_gemm.h"
#include "kernels/ref/af8_reference.h"

namespace edgemt {
namespace {

using ops::Isa;

constexpr double kTol = 1e-5;
constexpr float kSentinel = 12345.0f;  // y's padding columns must keep it

struct Case {
  int M, K, N;
  bool bias = true;
  int ldx_pad = 0, ldy_pad = 0;
};

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512})
    if (ops::isa_supported(i)) out.push_back(i);
  return out;
}

void check(const Case& c, Isa isa, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << "M=" << c.M << " K=" << c.K << " N=" << c.N << " isa=" << ops::isa_name(isa)
                                    << " bias=" << c.bias << " seed=" << seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int ldx = c.K + c.ldx_pad, ldy = c.N + c.ldy_pad;
  std::vector<float> x(static_cast<size_t>(c.M) * ldx, std::nanf("")), w(static_cast<size_t>(c.N) * c.K), b(c.N);
  std::vector<float> xc(static_cast<size_t>(c.M) * c.K);  // x without its padding, for the reference
  for (int i = 0; i < c.M; ++i)
    for (int k = 0; k < c.K; ++k) xc[static_cast<size_t>(i) * c.K + k] = x[static_cast<size_t>(i) * ldx + k] = u(rng);
  for (auto& v : w) v = rng() % 4 == 0 ? 0.0f : u(rng);
  for (auto& v : b) v = u(rng);
  const std::vector<double> wd(w.begin(), w.end());
  const auto r = ref::linear_f64(xc.data(), c.M, c.K, wd, c.bias ? b.data() : nullptr, c.N);
  // Packed from a copy that is then destroyed: the prepared form owns its bytes.
  auto copy = w;
  const ops::PackedF32Weights pw(copy.data(), c.N, c.K);
  std::fill(copy.begin(), copy.end(), std::nanf(""));
  std::vector<float> y(static_cast<size_t>(c.M) * ldy, kSentinel);
  ops::packed_linear(isa, x.data(), c.M, ldx, pw, c.bias ? b.data() : nullptr, y.data(), ldy);
  for (int i = 0; i < c.M; ++i) {
    for (int n = 0; n < c.N; ++n) {
      const size_t o = static_cast<size_t>(i) * c.N + n;
      ASSERT_LE(std::fabs(y[static_cast<size_t>(i) * ldy + n] - r.y[o]), kTol * r.scale[o]) << i << "," << n;
    }
    for (int n = c.N; n < ldy; ++n) ASSERT_EQ(y[static_cast<size_t>(i) * ldy + n], kSentinel);
  }
}

TEST(PackedGemm, EdgeCases) {
  const std::vector<Case> cases = {
      {1, 1, 1},           {1, 768, 16},        {7, 5, 17},           {6, 256, 16},        {13, 257, 33},
      {64, 300, 48, false}, {5, 513, 31, true, 3, 5}, {300, 40, 20},   {2, 0, 3},          {33, 1100, 70, true, 1, 2},
      // K in several L2 spans (768 + 768 + 464 at 70 rows; 256 at 260 rows, two row blocks)
      {70, 2000, 40},      {260, 600, 20, true, 1, 1},
  };
  for (Isa isa : supported_isas())
    for (const auto& c : cases) check(c, isa, 7);
}

TEST(PackedGemm, RandomShapes) {
  std::mt19937 rng(3);
  for (Isa isa : supported_isas())
    for (int t = 0; t < 25; ++t) {
      const Case c{1 + static_cast<int>(rng() % 80), 1 + static_cast<int>(rng() % 400), 1 + static_cast<int>(rng() % 90),
                   rng() % 2 == 0, static_cast<int>(rng() % 3), static_cast<int>(rng() % 3)};
      check(c, isa, 100 + t);
    }
}

TEST(PackedGemm, PackingRowBlocksEqualsPackingTheWholeMatrix) {  // q, k and v stacked at load
  const int N = 37, K = 19;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> w(static_cast<size_t>(N) * K);
  for (auto& v : w) v = u(rng);
  const ops::PackedF32Weights whole(w.data(), N, K);
  EXPECT_EQ(whole.num_panels(), 3);
  EXPECT_EQ(whole.stored_panels(), 4);  // an even count: AVX-512 reads panels in pairs
  EXPECT_EQ(whole.panels.size(), static_cast<size_t>(4 * 16 * K));
  EXPECT_TRUE(std::all_of(whole.panels.begin() + 3 * 16 * K, whole.panels.end(), [](float v) { return v == 0.0f; }));
  ops::PackedF32Weights blocks(N, K);
  blocks.pack_rows(20, w.data() + 20 * K, 17);  // out of order, across a panel boundary
  blocks.pack_rows(0, w.data(), 20);
  EXPECT_EQ(blocks.panels, whole.panels);
  EXPECT_THROW(blocks.pack_rows(30, w.data(), 8), InternalError);  // past the last row
}

TEST(PackedGemm, SameResultForAnyThreadCount) {
  const int M = 50, K = 700, N = 150;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(M) * K), w(static_cast<size_t>(N) * K), b(N);
  for (auto* v : {&x, &w, &b})
    for (auto& e : *v) e = u(rng);
  const ops::PackedF32Weights pw(w.data(), N, K);
  EXPECT_EQ(pw.num_panels(), 10);
  EXPECT_EQ(pw.bytes(), static_cast<size_t>(10 * 16 * K) * sizeof(float));
  const int saved = omp_get_max_threads();
  std::vector<float> y1(static_cast<size_t>(M) * N), y3(y1.size());
  omp_set_num_threads(1);
  ops::packed_linear(x.data(), M, K, pw, b.data(), y1.data(), N);
  omp_set_num_threads(3);
  ops::packed_linear(x.data(), M, K, pw, b.data(), y3.data(), N);
  omp_set_num_threads(saved);
  EXPECT_EQ(y1, y3);
}

}  // namespace
}  // namespace edgemt
