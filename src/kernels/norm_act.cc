// LayerNorm, activations and softmax: plain loops the compiler vectorises, rows split across threads.
#include "kernels/norm_act.h"

#include <omp.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/fast_math.h"

namespace edgemt::ops {

void layer_norm(const float* x, const float* residual, int M, int N, const float* gamma, const float* beta,
                float eps, float* y) {
#pragma omp parallel for schedule(static) if (M >= 16)
  for (int i = 0; i < M; ++i) {
    const float* xr = x + static_cast<long>(i) * N;
    const float* rr = residual ? residual + static_cast<long>(i) * N : nullptr;
    float* yr = y + static_cast<long>(i) * N;
    float mean = 0.0f;  // (the sums in vector lanes: an order the compiler may vectorise)
#pragma omp simd reduction(+ : mean)
    for (int j = 0; j < N; ++j) {
      const float v = rr ? xr[j] + rr[j] : xr[j];
      yr[j] = v;
      mean += v;
    }
    mean /= static_cast<float>(N);
    float var = 0.0f;
#pragma omp simd reduction(+ : var)
    for (int j = 0; j < N; ++j) {
      const float d = yr[j] - mean;
      var += d * d;
    }
    var /= static_cast<float>(N);
    const float inv = 1.0f / std::sqrt(var + eps);
    for (int j = 0; j < N; ++j) yr[j] = (yr[j] - mean) * inv * gamma[j] + beta[j];
  }
}

namespace {

template <Activation A>
[[gnu::always_inline]] inline float act_one(float v) {
  if constexpr (A == Activation::Gelu) return 0.5f * v * (1.0f + erf_approx(v * 0.70710678118654752f));
  if constexpr (A == Activation::GeluNew)
    return 0.5f * v * (1.0f + tanh_approx(0.79788456080286536f * (v + 0.044715f * v * v * v)));
  if constexpr (A == Activation::Relu) return v > 0.0f ? v : 0.0f;
  if constexpr (A == Activation::Silu) return v / (1.0f + exp_approx(-v));
}

// One element-wise loop, compiled for the portable path, for AVX2+FMA (8 lanes) and for AVX-512 (16
// lanes): the same formulas, the whole GELU in vector registers.
template <Activation A>
[[gnu::always_inline]] inline void act_range(float* x, long n) {
#pragma omp simd
  for (long i = 0; i < n; ++i) x[i] = act_one<A>(x[i]);
}

using RangeFn = void (*)(float* x, long n);

template <Activation A>
void range_generic(float* x, long n) {
  act_range<A>(x, n);
}

#if EDGEMT_X86
template <Activation A>
EDGEMT_TARGET_AVX2 void range_avx2(float* x, long n) {
  act_range<A>(x, n);
}
template <Activation A>
EDGEMT_TARGET_AVX512 void range_avx512(float* x, long n) {
  act_range<A>(x, n);
}
#endif

template <Activation A>
RangeFn range_for(Isa isa) {
#if EDGEMT_X86
  if (isa >= Isa::kAvx512) return range_avx512<A>;
  if (isa >= Isa::kAvx2) return range_avx2<A>;
#endif
  (void)isa;
  return range_generic<A>;
}

RangeFn range_for(Isa isa, Activation act) {
  switch (act) {
    case Activation::Gelu: return range_for<Activation::Gelu>(isa);
    case Activation::GeluNew: return range_for<Activation::GeluNew>(isa);
    case Activation::Relu: return range_for<Activation::Relu>(isa);
    case Activation::Silu: return range_for<Activation::Silu>(isa);
  }
  return nullptr;
}

}  // namespace

void activate(Isa isa, Activation act, float* x, long n) {
  EDGEMT_CHECK(isa_supported(isa));
  const RangeFn f = range_for(isa, act);
  if (n < 65536) {
    f(x, n);
    return;
  }
#pragma omp parallel
  {
    const long nt = omp_get_num_threads(), t = omp_get_thread_num();
    const long b = n * t / nt / 16 * 16, e = t + 1 == nt ? n : n * (t + 1) / nt / 16 * 16;  // 64-byte pieces
    f(x + b, e - b);
  }
}

void activate(Activation act, float* x, long n) { activate(active_isa(), act, x, n); }

void softmax_rows(float* x, int M, int N, int ld) {
  for (int i = 0; i < M; ++i) {
    float* r = x + static_cast<long>(i) * ld;
    float mx = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < N; ++j) mx = r[j] > mx ? r[j] : mx;
    if (mx == -std::numeric_limits<float>::infinity()) {
      for (int j = 0; j < N; ++j) r[j] = 0.0f;
      continue;
    }
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < N; ++j) {
      r[j] = exp_approx(r[j] - mx);
      sum += r[j];
    }
    const float inv = 1.0f / sum;
    for (int j = 0; j < N; ++j) r[j] *= inv;
  }
}

void tanh_inplace(float* x, long n) {
#pragma omp simd
  for (long i = 0; i < n; ++i) x[i] = tanh_approx(x[i]);
}

}  // namespace edgemt::ops
