// Row-wise LayerNorm (with fused residual add), activations and softmax on fp32.
#pragma once

#include "formats/config.h"
#include "kernels/isa.h"

namespace edgemt::ops {

// y [M, N] = LayerNorm(x + residual) · gamma + beta; residual may be nullptr; y may alias x.
void layer_norm(const float* x, const float* residual, int M, int N, const float* gamma, const float* beta,
                float eps, float* y);

// In place over n values, on active_isa()'s path.
void activate(Activation act, float* x, long n);
// The same on a given path (tests, benchmarks); `isa` must be supported.
void activate(Isa isa, Activation act, float* x, long n);

// In place over each of M rows of N values; a row of all -inf stays all zero.
void softmax_rows(float* x, int M, int N, int ld);

// In place tanh over n values.
void tanh_inplace(float* x, long n);

}  // namespace edgemt::ops
