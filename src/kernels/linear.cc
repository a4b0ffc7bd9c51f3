// fp32 GEMMs on oneDNN's sgemm: measured faster than OpenBLAS on ALBERT's shapes (bench/gemm_bench.cc).
#include "kernels/linear.h"

#include <dnnl.h>

namespace edgemt::ops {

void gemm(bool b_transposed, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
          float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  dnnl_sgemm('N', b_transposed ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void linear(const float* x, int M, int K, int ldx, const float* w, const float* b, int N, float* y, int ldy) {
  if (M == 0) return;
  if (b) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) y[static_cast<long>(i) * ldy + j] = b[j];
  }
  gemm(/*b_transposed=*/true, M, N, K, 1.0f, x, ldx, w, K, b ? 1.0f : 0.0f, y, ldy);
}

}  // namespace edgemt::ops
