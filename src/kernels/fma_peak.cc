// Twelve independent accumulator chains per thread: FMA latency (4–5 cycles) × 2 FMA pipes needs
// at least 10 in flight, and 12 leave registers for the operands.
#include "kernels/fma_peak.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#if EDGEMT_X86
#include <immintrin.h>
#endif

#include "core/error.h"

namespace edgemt::ops {

namespace {

constexpr int kChains = 12;

// Returns a value that depends on every chain, so none is optimised away; FLOPs per call:
// iters · kChains · lanes · 2.
float chains_generic(long iters) {
  float acc[kChains][8];
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < 8; ++l) acc[c][l] = 0.001f * static_cast<float>(c + l);
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c)
      for (int l = 0; l < 8; ++l) acc[c][l] = acc[c][l] * 0.9999f + 0.0001f;
  float s = 0.0f;
  for (const auto& a : acc)
    for (float v : a) s += v;
  return s;
}

#if EDGEMT_X86
EDGEMT_TARGET_AVX2 float chains_avx2(long iters) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.001f * static_cast<float>(c));
  const __m256 m = _mm256_set1_ps(0.9999f), a = _mm256_set1_ps(0.0001f);
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], m, a);
  __m256 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm256_add_ps(s, acc[c]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  float r = 0.0f;
  for (float v : out) r += v;
  return r;
}

// As chains_avx2 on 16-float registers (AVX-512 parts with two FMA units reach twice the AVX2 figure).
EDGEMT_TARGET_AVX512 float chains_avx512(long iters) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.001f * static_cast<float>(c));
  const __m512 m = _mm512_set1_ps(0.9999f), a = _mm512_set1_ps(0.0001f);
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 12
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], m, a);
  __m512 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
  alignas(64) float out[16];  // (GCC 12's _mm512_reduce_add_ps warns of an uninitialised temporary)
  _mm512_store_ps(out, s);
  float r = 0.0f;
  for (float v : out) r += v;
  return r;
}
#endif

int lanes(Isa isa) { return isa >= Isa::kAvx512 ? 16 : 8; }  // floats per chain

}  // namespace

double fma_peak_gflops(Isa isa, long iters, int reps) {
  EDGEMT_CHECK(isa_supported(isa) && iters > 0 && reps > 0);
  const auto run = [&](long n) {
#if EDGEMT_X86
    if (isa >= Isa::kAvx512) return chains_avx512(n);
    if (isa == Isa::kAvx2) return chains_avx2(n);
#endif
    return chains_generic(n);
  };
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int r = 0; r < reps; ++r) {
    int threads = 1;
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel
    {
      const float v = run(iters);
#pragma omp critical
      sink = sink + v;
#pragma omp single
      threads = omp_get_num_threads();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(threads) * static_cast<double>(iters) * kChains * lanes(isa) * 2 / s / 1e9);
  }
  return best;
}

}  // namespace edgemt::ops
