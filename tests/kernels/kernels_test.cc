// Fast kernels against the scalar references on random shapes, odd sizes included.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/attention.h"
#include "kernels/fast_math.h"
#include "kernels/linear.h"
#include "kernels/norm_act.h"
#include "kernels/ref/reference.h"
#include "support/files.h"

namespace edgemt {
namespace {

using testing::random_floats;

// max |a − b| ≤ tol · max(1, max |b|)
void expect_close(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  ASSERT_EQ(a.size(), b.size());
  float max_ref = 1.0f, max_diff = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(b[i]));
    max_diff = std::max(max_diff, std::fabs(a[i] - b[i]));
  }
  EXPECT_LE(max_diff, tol * max_ref) << "max diff " << max_diff << " max ref " << max_ref;
}

TEST(Kernels, LinearMatchesReferenceOnRandomShapes) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int M = 1 + static_cast<int>(rng() % 37), K = 1 + static_cast<int>(rng() % 70), N = 1 + static_cast<int>(rng() % 53);
    const auto x = random_floats(static_cast<size_t>(M) * K, rng());
    const auto w = random_floats(static_cast<size_t>(N) * K, rng());
    const auto b = random_floats(static_cast<size_t>(N), rng());
    std::vector<float> fast(static_cast<size_t>(M) * N), ref(fast.size());
    const bool bias = trial % 2 == 0;
    ops::linear(x.data(), M, K, K, w.data(), bias ? b.data() : nullptr, N, fast.data(), N);
    ref::linear(x.data(), M, K, w.data(), bias ? b.data() : nullptr, N, ref.data());
    SCOPED_TRACE(::testing::Message() << M << "x" << K << "x" << N);
    expect_close(fast, ref, 1e-5f);
  }
}

TEST(Kernels, LayerNormWithResidualMatchesReference) {
  for (int N : {1, 7, 64, 129}) {
    const int M = 5;
    const auto x = random_floats(static_cast<size_t>(M) * N, 1, 3.0f);
    const auto r = random_floats(static_cast<size_t>(M) * N, 2);
    const auto g = random_floats(static_cast<size_t>(N), 3);
    const auto b = random_floats(static_cast<size_t>(N), 4);
    for (bool residual : {false, true}) {
      std::vector<float> fast(x.size()), ref(x.size());
      ops::layer_norm(x.data(), residual ? r.data() : nullptr, M, N, g.data(), b.data(), 1e-12f, fast.data());
      ref::layer_norm(x.data(), residual ? r.data() : nullptr, M, N, g.data(), b.data(), 1e-12f, ref.data());
      expect_close(fast, ref, 2e-5f);
      // in place (y aliases x) gives the same result
      std::vector<float> inplace = x;
      ops::layer_norm(inplace.data(), residual ? r.data() : nullptr, M, N, g.data(), b.data(), 1e-12f, inplace.data());
      EXPECT_EQ(inplace, fast);
    }
  }
}

TEST(Kernels, ActivationsMatchReference) {
  // 1001: a vector tail; 70001: split across threads in 16-float pieces, with a tail.
  for (size_t n : {size_t{1001}, size_t{70001}}) {
    const auto x = random_floats(n, 9, 4.0f);
    for (ops::Isa isa : {ops::Isa::kGeneric, ops::Isa::kAvx2, ops::Isa::kAvx512}) {
      if (!ops::isa_supported(isa)) continue;
      for (Activation a : {Activation::Gelu, Activation::GeluNew, Activation::Relu, Activation::Silu}) {
        std::vector<float> fast = x, ref(x.size());
        ops::activate(isa, a, fast.data(), static_cast<long>(fast.size()));
        for (size_t i = 0; i < x.size(); ++i) ref[i] = ref::activate(a, x[i]);
        SCOPED_TRACE(::testing::Message() << activation_name(a) << " " << ops::isa_name(isa) << " n=" << n);
        expect_close(fast, ref, 1e-6f);
      }
    }
  }
  // Known values: gelu(1) = 0.8413447, gelu_new(1) = 0.8411920, silu(1) = 0.7310586.
  EXPECT_NEAR(ref::activate(Activation::Gelu, 1.0f), 0.8413447f, 1e-6f);
  EXPECT_NEAR(ref::activate(Activation::GeluNew, 1.0f), 0.8411920f, 1e-6f);
  EXPECT_NEAR(ref::activate(Activation::Silu, 1.0f), 0.7310586f, 1e-6f);
}

TEST(Kernels, SoftmaxRowsMatchReference) {
  auto x = random_floats(7 * 13, 5, 10.0f);
  std::vector<float> ref = x;
  ops::softmax_rows(x.data(), 7, 13, 13);
  for (int i = 0; i < 7; ++i) ref::softmax_row(ref.data() + i * 13, 13);
  expect_close(x, ref, 1e-6f);
}

TEST(Kernels, AttentionMatchesReferenceOnPackedBatchesWithMasks) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 8; ++trial) {
    const int NH = 1 + static_cast<int>(rng() % 4), DH = 1 + static_cast<int>(rng() % 17), H = NH * DH;
    std::vector<ops::SeqSpan> seqs;
    std::vector<std::vector<uint8_t>> masks(4);
    int N = 0;
    for (int s = 0; s < 4; ++s) {
      const int T = 1 + static_cast<int>(rng() % 19);
      masks[s].assign(static_cast<size_t>(T), 1);
      for (int t = 1; t < T; ++t) masks[s][t] = (rng() % 4) != 0;  // first key always visible
      seqs.push_back({N, T, s % 2 ? masks[s].data() : nullptr});
      N += T;
    }
    const auto qkv = random_floats(static_cast<size_t>(N) * 3 * H, rng());
    std::vector<float> fast(static_cast<size_t>(N) * H), ref(fast.size());
    ops::attention(qkv.data(), H, NH, seqs, fast.data());
    ref::attention(qkv.data(), H, NH, seqs, ref.data());
    SCOPED_TRACE(::testing::Message() << "NH " << NH << " DH " << DH << " N " << N);
    expect_close(fast, ref, 1e-5f);
  }
}

}  // namespace
}  // namespace edgemt

namespace edgemt {
namespace {

TEST(FastMath, ExpTanhErfAgreeWithLibm) {
  double worst_exp = 0, worst_tanh = 0, worst_erf = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.00731f) {
    worst_exp = std::max(worst_exp, std::fabs(ops::exp_approx(x) / std::exp(static_cast<double>(x)) - 1.0));
  }
  for (float x = -20.0f; x <= 20.0f; x += 0.000917f) {
    worst_tanh = std::max(worst_tanh, std::fabs(ops::tanh_approx(x) - std::tanh(static_cast<double>(x))));
    worst_erf = std::max(worst_erf, std::fabs(ops::erf_approx(x) - std::erf(static_cast<double>(x))));
  }
  EXPECT_LT(worst_exp, 5e-7) << "relative";  // Taylor truncation 1.2e-7 + rounding
  EXPECT_LT(worst_tanh, 3e-7) << "absolute";
  // A&S 7.1.26 is 1.5e-7 in exact arithmetic; its fp32 evaluation adds a few ulp of 1. 1e-6 keeps
  // gelu(x) = x·(1 + erf)/2 within 5e-7·|x| of exact, two orders inside the golden tolerance.
  EXPECT_LT(worst_erf, 1e-6) << "absolute";
  EXPECT_EQ(ops::exp_approx(-1000.0f), ops::exp_approx(-87.0f)) << "clamped, no NaN";
  EXPECT_EQ(ops::tanh_approx(1000.0f), 1.0f);
  EXPECT_EQ(ops::tanh_approx(-1000.0f), -1.0f);
}

}  // namespace
}  // namespace edgemt
