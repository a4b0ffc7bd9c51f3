// Attention at ALBERT-base's shape (H = 768, 12 heads, DH = 64), one sequence of T = 128 tokens:
// full attention vs adaptive spans (ALGORITHMS.md §5) — every head at window 16, every head at
// window 0 (span 1: self only, output V_i) — per ISA path and thread count; plus the fused
// softmax + entropy row kernel. Run per docs/kernels.md ("Attention with adaptive span").
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/norm_act.h"
#include "kernels/softmax_entropy.h"

namespace {

using namespace edgemt;

constexpr int kH = 768, kNH = 12;

enum class Span { kFull, kWindow16, kSelfOnly };

void attention(benchmark::State& state, ops::Isa isa, Span span, int T, int threads) {
  if (!ops::isa_supported(isa)) return state.SkipWithError("ISA not supported by this CPU");
  omp_set_num_threads(threads);
  std::vector<float> qkv(static_cast<size_t>(T) * 3 * kH), ctx(static_cast<size_t>(T) * kH);
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (auto& v : qkv) v = g(rng);
  // window 16: z = 13, R = 4 (m(d) = 1 up to d = 13, ramps to 1/4 at d = 16); self only: z = 0, R = 1
  const ops::HeadSpan hs = span == Span::kWindow16 ? ops::HeadSpan{13.0f, 4.0f} : ops::HeadSpan{0.0f, 1.0f};
  const std::vector<ops::HeadSpan> spans(kNH, hs);
  const std::vector<ops::SeqSpan> seqs = {{0, T, nullptr}};
  const ops::HeadSpan* sp = span == Span::kFull ? nullptr : spans.data();
  for (auto _ : state) {
    ops::attention(isa, qkv.data(), kH, kNH, seqs, ctx.data(), sp);
    benchmark::DoNotOptimize(ctx.data());
    benchmark::ClobberMemory();
  }
  const long pairs = sp ? ops::attended_pairs(spans, T) : static_cast<long>(kNH) * T * T;
  state.counters["pairs"] = static_cast<double>(pairs);
  // Q·K and P·V: 4·DH flops per computed pair
  state.counters["GFLOP/s"] =
      benchmark::Counter(4.0 * (kH / kNH) * static_cast<double>(pairs), benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}

void softmax_entropy(benchmark::State& state, ops::Isa isa, int rows, int C) {
  if (!ops::isa_supported(isa)) return state.SkipWithError("ISA not supported by this CPU");
  std::vector<float> z(static_cast<size_t>(rows) * C), p(z.size()), h(static_cast<size_t>(rows));
  std::mt19937 rng(2);
  std::normal_distribution<float> g(0.0f, 3.0f);
  for (auto& v : z) v = g(rng);
  for (auto _ : state) {
    ops::softmax_entropy(isa, z.data(), rows, C, p.data(), h.data());
    benchmark::DoNotOptimize(p.data());
    benchmark::DoNotOptimize(h.data());
  }
  state.SetItemsProcessed(state.iterations() * rows * C);
}

// The row softmax full attention used before the fused kernel (ops::softmax_rows, portable C++).
void softmax_rows(benchmark::State& state, int rows, int C) {
  std::vector<float> z(static_cast<size_t>(rows) * C), p(z.size());
  std::mt19937 rng(2);
  std::normal_distribution<float> g(0.0f, 3.0f);
  for (auto& v : z) v = g(rng);
  for (auto _ : state) {
    p = z;
    ops::softmax_rows(p.data(), rows, C, C);
    benchmark::DoNotOptimize(p.data());
  }
  state.SetItemsProcessed(state.iterations() * rows * C);
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// Names: attention/<span>/<isa>/T:<T>/threads:<n>; softmax_entropy/<isa>/rows:<r>/C:<C>.
const bool registered = [] {
  const std::pair<const char*, Span> spans[] = {
      {"full", Span::kFull}, {"window16", Span::kWindow16}, {"self_only", Span::kSelfOnly}};
  for (int threads : {1, 2})
    for (ops::Isa isa : {ops::Isa::kGeneric, ops::Isa::kAvx2})
      for (const auto& [name, span] : spans) {
        const std::string full =
            std::string("attention/") + name + "/" + ops::isa_name(isa) + "/T:128/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(full.c_str(), attention, isa, span, 128, threads)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond)
            ->ComputeStatistics("min", min_of)
            ->ComputeStatistics("max", max_of);
      }
  for (ops::Isa isa : {ops::Isa::kGeneric, ops::Isa::kAvx2})
    for (auto [rows, C] : {std::pair{1, 2}, std::pair{1, 3}, std::pair{128, 128}})
      benchmark::RegisterBenchmark((std::string("softmax_entropy/") + ops::isa_name(isa) +
                                    "/rows:" + std::to_string(rows) + "/C:" + std::to_string(C))
                                       .c_str(),
                                   softmax_entropy, isa, rows, C)
          ->Unit(benchmark::kNanosecond)
          ->ComputeStatistics("min", min_of)
          ->ComputeStatistics("max", max_of);
  benchmark::RegisterBenchmark("softmax_rows/rows:128/C:128", softmax_rows, 128, 128)
      ->Unit(benchmark::kNanosecond)
      ->ComputeStatistics("min", min_of)
      ->ComputeStatistics("max", max_of);
  return true;
}();

}  // namespace
