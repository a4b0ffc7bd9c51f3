// LayerNorm, activations and softmax: plain loops the compiler vectorises, rows split across threads.
#include "kernels/norm_act.h"

#include <cmath>
#include <limits>

#include "kernels/fast_math.h"

namespace edgemt::ops {

void layer_norm(const float* x, const float* residual, int M, int N, const float* gamma, const float* beta,
                float eps, float* y) {
#pragma omp parallel for schedule(static) if (M >= 16)
  for (int i = 0; i < M; ++i) {
    const float* xr = x + static_cast<long>(i) * N;
    const float* rr = residual ? residual + static_cast<long>(i) * N : nullptr;
    float* yr = y + static_cast<long>(i) * N;
    float mean = 0.0f;
    for (int j = 0; j < N; ++j) {
      const float v = rr ? xr[j] + rr[j] : xr[j];
      yr[j] = v;
      mean += v;
    }
    mean /= static_cast<float>(N);
    float var = 0.0f;
    for (int j = 0; j < N; ++j) {
      const float d = yr[j] - mean;
      var += d * d;
    }
    var /= static_cast<float>(N);
    const float inv = 1.0f / std::sqrt(var + eps);
    for (int j = 0; j < N; ++j) yr[j] = (yr[j] - mean) * inv * gamma[j] + beta[j];
  }
}

void activate(Activation act, float* x, long n) {
  switch (act) {
    case Activation::Gelu:
#pragma omp parallel for simd schedule(static) if (n >= 65536)
      for (long i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + erf_approx(x[i] * 0.70710678118654752f));
      return;
    case Activation::GeluNew:
#pragma omp parallel for simd schedule(static) if (n >= 65536)
      for (long i = 0; i < n; ++i) {
        const float v = x[i];
        x[i] = 0.5f * v * (1.0f + tanh_approx(0.79788456080286536f * (v + 0.044715f * v * v * v)));
      }
      return;
    case Activation::Relu:
      for (long i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      return;
    case Activation::Silu:
#pragma omp parallel for simd schedule(static) if (n >= 65536)
      for (long i = 0; i < n; ++i) x[i] = x[i] / (1.0f + exp_approx(-x[i]));
      return;
  }
}

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
