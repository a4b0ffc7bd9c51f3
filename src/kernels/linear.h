// Dense fp32 linear layer y = x·Wᵀ + b on a tuned BLAS (oneDNN sgemm), and a strided GEMM used
// inside attention.
#pragma once

namespace edgemt::ops {

// x [M, K] (row stride ldx), w [N, K] (PyTorch Linear layout), b [N] or nullptr → y [M, N] (row stride ldy).
void linear(const float* x, int M, int K, int ldx, const float* w, const float* b, int N, float* y, int ldy);

// C [M, N] = alpha · A [M, K] · op(B) + beta · C, with op(B) = Bᵀ when b_transposed (B is [N, K]).
void gemm(bool b_transposed, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
          float beta, float* C, int ldc);

}  // namespace edgemt::ops
