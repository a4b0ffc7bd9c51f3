// fp32 GEMM backends on ALBERT-base's shapes (y = x·Wᵀ, x [T, K], W [N, K]): oneDNN sgemm (what
// the engine uses) against OpenBLAS. Reports GFLOP/s; run with --benchmark_filter to pick shapes.
#include <benchmark/benchmark.h>
#include <dnnl.h>

#include <vector>

#include "kernels/packed_gemm.h"

#ifdef EDGEMT_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

// args: T, K, N
void set_flops(benchmark::State& state) {
  const double flops = 2.0 * state.range(0) * state.range(1) * state.range(2);
  state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_OneDnnSgemm(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0)), K = static_cast<int>(state.range(1)), N = static_cast<int>(state.range(2));
  std::vector<float> x(static_cast<size_t>(T) * K, 0.5f), w(static_cast<size_t>(N) * K, 0.25f), y(static_cast<size_t>(T) * N);
  for (auto _ : state) {
    dnnl_sgemm('N', 'T', T, N, K, 1.0f, x.data(), K, w.data(), K, 0.0f, y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state);
}

void BM_PackedF32(benchmark::State& state) {  // the engine's own kernel, weights packed once
  const int T = static_cast<int>(state.range(0)), K = static_cast<int>(state.range(1)), N = static_cast<int>(state.range(2));
  std::vector<float> x(static_cast<size_t>(T) * K, 0.5f), w(static_cast<size_t>(N) * K, 0.25f), y(static_cast<size_t>(T) * N);
  const edgemt::ops::PackedF32Weights pw(w.data(), N, K);
  for (auto _ : state) {
    edgemt::ops::packed_linear(x.data(), T, K, pw, nullptr, y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state);
}

#ifdef EDGEMT_HAVE_OPENBLAS
void BM_OpenBlasSgemm(benchmark::State& state) {
  const int T = static_cast<int>(state.range(0)), K = static_cast<int>(state.range(1)), N = static_cast<int>(state.range(2));
  std::vector<float> x(static_cast<size_t>(T) * K, 0.5f), w(static_cast<size_t>(N) * K, 0.25f), y(static_cast<size_t>(T) * N);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, N, K, 1.0f, x.data(), K, w.data(), K, 0.0f, y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state);
}
#endif

void albert_shapes(benchmark::internal::Benchmark* b) {
  for (int T : {16, 32, 64, 128}) {
    b->Args({T, 768, 2304});  // fused QKV
    b->Args({T, 768, 3072});  // FFN in
    b->Args({T, 3072, 768});  // FFN out
  }
  b->Args({1024, 1024, 1024});  // ceiling
}

}  // namespace

BENCHMARK(BM_OneDnnSgemm)->Apply(albert_shapes)->UseRealTime();
BENCHMARK(BM_PackedF32)->Apply(albert_shapes)->UseRealTime();
#ifdef EDGEMT_HAVE_OPENBLAS
BENCHMARK(BM_OpenBlasSgemm)->Apply(albert_shapes)->UseRealTime();
#endif
