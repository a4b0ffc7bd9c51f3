// AF8 GEMMs against the engine's fp32 linear (oneDNN sgemm) on ALBERT-base's shapes: y [M, N] =
// x [M, K] · Wᵀ + b for M tokens, dense AF8 and bitmask AF8 at 50 % and 70 % magnitude pruning,
// 1 and 2 threads, plus large square sgemms for the machine's fp32 ceiling. GFLOP/s counts the dense
// 2·M·N·K for every variant, so it compares like with like. Run per docs/kernels.md.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/af8_gemm.h"
#include "kernels/linear.h"
#include "kernels/sparse_gemm.h"

namespace {

using namespace edgemt;

// Gaussian weights, magnitude-pruned to `sparsity` (unstructured), as fp32 and as AF8 codes.
struct Weights {
  std::vector<float> f32;                      // [N, K]
  std::vector<uint8_t> codes, mask, nz_codes;  // dense codes [N, K]; mask bits; non-zero codes
  std::unique_ptr<ops::Af8DenseWeights> dense;
  std::unique_ptr<ops::Af8BitmaskWeights> sparse;
};

const Weights& weights(int K, int N, double sparsity) {
  static std::map<std::tuple<int, int, double>, Weights> cache;
  auto [it, fresh] = cache.try_emplace({K, N, sparsity});
  Weights& w = it->second;
  if (!fresh) return w;
  const size_t n = static_cast<size_t>(N) * K;
  std::mt19937 rng(static_cast<uint32_t>(K * 7 + N));
  std::normal_distribution<float> g(0.0f, 0.02f);
  w.f32.resize(n);
  for (auto& v : w.f32) v = g(rng);
  std::vector<float> mag(n);
  for (size_t i = 0; i < n; ++i) mag[i] = std::fabs(w.f32[i]);
  const size_t cut = static_cast<size_t>(sparsity * static_cast<double>(n));
  std::nth_element(mag.begin(), mag.begin() + static_cast<long>(std::min(cut, n - 1)), mag.end());
  const float threshold = cut == 0 ? -1.0f : mag[std::min(cut, n - 1)];
  w.codes.resize(n);
  w.mask.assign((n + 7) / 8, 0);
  for (size_t i = 0; i < n; ++i) {
    if (std::fabs(w.f32[i]) <= threshold) {
      w.f32[i] = 0.0f;
      w.codes[i] = 0;
      continue;
    }
    w.codes[i] = static_cast<uint8_t>((1 + rng() % 127) | (w.f32[i] < 0 ? 0x80 : 0));
    w.mask[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    w.nz_codes.push_back(w.codes[i]);
  }
  w.dense = std::make_unique<ops::Af8DenseWeights>(ops::Af8Matrix{w.codes.data(), N, K, 3, -12}, "bench");
  w.sparse = std::make_unique<ops::Af8BitmaskWeights>(
      ops::Af8BitmaskMatrix{w.mask.data(), w.nz_codes.data(), N, K, 3, -12}, "bench");
  return w;
}

enum class Variant { kFp32, kAf8Dense, kAf8Bitmask };

void run(benchmark::State& state, Variant variant, int M, int K, int N, double sparsity, int threads) {
  omp_set_num_threads(threads);
  const Weights& w = weights(K, N, sparsity);
  std::vector<float> x(static_cast<size_t>(M) * K), b(static_cast<size_t>(N), 0.01f), y(static_cast<size_t>(M) * N);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& v : x) v = u(rng);
  for (auto _ : state) {
    switch (variant) {
      case Variant::kFp32:
        ops::linear(x.data(), M, K, K, w.f32.data(), b.data(), N, y.data(), N);
        break;
      case Variant::kAf8Dense:
        ops::af8_linear(x.data(), M, K, *w.dense, b.data(), y.data(), N);
        break;
      case Variant::kAf8Bitmask:
        ops::af8_bitmask_linear(x.data(), M, K, *w.sparse, b.data(), y.data(), N);
        break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  const double weight_bytes = variant == Variant::kFp32       ? 4.0 * N * K
                              : variant == Variant::kAf8Dense ? static_cast<double>(w.dense->bytes())
                                                              : static_cast<double>(w.sparse->bytes());
  state.counters["weight_MB"] = weight_bytes / 1e6;
  state.SetLabel(ops::isa_name(ops::active_isa()));
}

void ceiling(benchmark::State& state, int S, int threads) {
  omp_set_num_threads(threads);
  std::vector<float> a(static_cast<size_t>(S) * S, 0.5f), bt(a.size(), 0.25f), c(a.size());
  for (auto _ : state) {
    ops::gemm(/*b_transposed=*/true, S, S, S, 1.0f, a.data(), S, bt.data(), S, 0.0f, c.data(), S);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * S * S * S, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// Names: <variant>/M:<M>/K:<K>/N:<N>/threads:<T>; all variants of one shape next to each other.
// With --benchmark_repetitions, min and max join Google Benchmark's mean/median/stddev.
const bool registered = [] {
  const std::pair<const char*, std::pair<Variant, double>> variants[] = {
      {"fp32_onednn", {Variant::kFp32, 0.0}},
      {"af8_dense", {Variant::kAf8Dense, 0.0}},
      {"af8_bitmask50", {Variant::kAf8Bitmask, 0.5}},
      {"af8_bitmask70", {Variant::kAf8Bitmask, 0.7}},
  };
  for (int threads : {1, 2})
    for (int M : {16, 64, 128})
      for (auto [K, N] : {std::pair{768, 768}, std::pair{768, 3072}, std::pair{3072, 768}})
        for (const auto& [name, v] : variants) {
          const std::string full = std::string(name) + "/M:" + std::to_string(M) + "/K:" + std::to_string(K) +
                                   "/N:" + std::to_string(N) + "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(full.c_str(), run, v.first, M, K, N, v.second, threads)
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond)
              ->ComputeStatistics("min", min_of)
              ->ComputeStatistics("max", max_of);
        }
  for (int threads : {1, 2})
    for (int S : {1024, 2048})
      benchmark::RegisterBenchmark(
          ("fp32_ceiling/S:" + std::to_string(S) + "/threads:" + std::to_string(threads)).c_str(), ceiling, S, threads)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond)
          ->ComputeStatistics("min", min_of)
          ->ComputeStatistics("max", max_of);
  return true;
}();

}  // namespace
