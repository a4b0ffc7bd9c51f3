// Scalar reference kernels, written to read like the equations (ALGORITHMS.md §1).
#include "kernels/ref/reference.h"

#include <cmath>
#include <limits>
#include <vector>

namespace edgemt::ref {

void linear(const float* x, int M, int K, const float* w, const float* b, int N, float* y) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double acc = b ? b[j] : 0.0;
      for (int k = 0; k < K; ++k) acc += static_cast<double>(x[i * K + k]) * w[j * K + k];
      y[i * N + j] = static_cast<float>(acc);
    }
}

void layer_norm(const float* x, const float* residual, int M, int N, const float* gamma, const float* beta,
                float eps, float* y) {
  std::vector<double> v(static_cast<size_t>(N));
  for (int i = 0; i < M; ++i) {
    double mean = 0;
    for (int j = 0; j < N; ++j) {
      v[j] = x[i * N + j] + (residual ? residual[i * N + j] : 0.0f);
      mean += v[j];
    }
    mean /= N;
    double var = 0;
    for (int j = 0; j < N; ++j) var += (v[j] - mean) * (v[j] - mean);
    var /= N;
    for (int j = 0; j < N; ++j)
      y[i * N + j] = static_cast<float>((v[j] - mean) / std::sqrt(var + eps) * gamma[j] + beta[j]);
  }
}

float activate(Activation act, float xf) {
  const double x = xf;
  switch (act) {
    case Activation::Gelu:
      return static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
    case Activation::GeluNew:
      return static_cast<float>(0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))));
    case Activation::Relu:
      return x > 0 ? xf : 0.0f;
    case Activation::Silu:
      return static_cast<float>(x / (1.0 + std::exp(-x)));
  }
  return xf;
}

void softmax_row(float* x, int N) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < N; ++j) mx = std::max(mx, static_cast<double>(x[j]));
  if (std::isinf(mx) && mx < 0) {
    for (int j = 0; j < N; ++j) x[j] = 0.0f;
    return;
  }
  double sum = 0;
  for (int j = 0; j < N; ++j) sum += std::exp(x[j] - mx);
  for (int j = 0; j < N; ++j) x[j] = static_cast<float>(std::exp(x[j] - mx) / sum);
}

void attention(const float* qkv, int H, int NH, std::span<const ops::SeqSpan> seqs, float* ctx) {
  const int DH = H / NH;
  for (const auto& s : seqs) {
    const int T = s.length;
    std::vector<float> p(static_cast<size_t>(T));
    for (int h = 0; h < NH; ++h)
      for (int i = 0; i < T; ++i) {
        const float* q = qkv + static_cast<long>(s.offset + i) * 3 * H + h * DH;
        for (int j = 0; j < T; ++j) {
          const float* k = qkv + static_cast<long>(s.offset + j) * 3 * H + H + h * DH;
          double dot = 0;
          for (int d = 0; d < DH; ++d) dot += static_cast<double>(q[d]) * k[d];
          p[j] = (s.key_mask && !s.key_mask[j]) ? -std::numeric_limits<float>::infinity()
                                                 : static_cast<float>(dot / std::sqrt(static_cast<double>(DH)));
        }
        softmax_row(p.data(), T);
        for (int d = 0; d < DH; ++d) {
          double acc = 0;
          for (int j = 0; j < T; ++j) acc += static_cast<double>(p[j]) * qkv[static_cast<long>(s.offset + j) * 3 * H + 2 * H + h * DH + d];
          ctx[static_cast<long>(s.offset + i) * H + h * DH + d] = static_cast<float>(acc);
        }
      }
  }
}

}  // namespace edgemt::ref
