// Scalar reference kernels: the executable spec the fast kernels are tested against. Plain loops,
// double accumulation, no threads, no BLAS.
#pragma once

#include <span>

#include "formats/config.h"
#include "kernels/attention.h"

namespace edgemt::ref {

// x [M, K], w [N, K], b [N] or nullptr → y [M, N].
void linear(const float* x, int M, int K, const float* w, const float* b, int N, float* y);
void layer_norm(const float* x, const float* residual, int M, int N, const float* gamma, const float* beta,
                float eps, float* y);
float activate(Activation act, float x);
void softmax_row(float* x, int N);
// Same contract as ops::attention.
void attention(const float* qkv, int H, int NH, std::span<const ops::SeqSpan> seqs, float* ctx);

}  // namespace edgemt::ref
