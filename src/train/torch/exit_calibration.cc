// Early-exit calibration: the exit rule replayed on stored entropies, threshold choice, predictor LUT.
#include "train/torch/exit_calibration.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "text/metrics.h"

namespace edgemt::train {

double headline_metric(const glue::TaskSpec& task, const std::vector<int>& label, const std::vector<float>& gold) {
  std::vector<int> g(gold.size());
  for (size_t i = 0; i < gold.size(); ++i) g[i] = static_cast<int>(gold[i]);
  switch (task.metrics.front()) {
    case glue::Metric::Accuracy: return metrics::accuracy(label, g);
    case glue::Metric::F1: return metrics::f1_binary(label, g);
    case glue::Metric::Mcc: return metrics::matthews(label, g);
    default: throw Error("early exit: task " + std::string(task.name) + " has no classification metric");
  }
}

ExitOutcome simulate_exit(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task,
                          float threshold) {
  const size_t N = out.size(), L = static_cast<size_t>(out.layers);
  ExitOutcome r;
  r.label.resize(N);
  r.exit_layer.resize(N);
  double layers = 0;
  for (size_t i = 0; i < N; ++i) {
    size_t l = 1;
    if (threshold > 0)
      while (l < L && !(out.entropy[i * L + l - 1] < threshold)) ++l;
    else
      l = L;
    r.label[i] = out.label[i * L + l - 1];
    r.exit_layer[i] = static_cast<int>(l);
    layers += static_cast<double>(l);
  }
  r.mean_exit_layer = N ? layers / static_cast<double>(N) : 0;
  r.metric = headline_metric(task, r.label, gold);
  return r;
}

std::vector<SweepPoint> sweep(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task,
                              int classes, int points) {
  std::vector<SweepPoint> s;
  const double top = std::log(static_cast<double>(classes));
  for (int k = 0; k <= points; ++k) {
    // Float thresholds at most ln C (the engine's range).
    const float t = k == 0 ? 0.0f : std::min(static_cast<float>(top * k / points), std::nextafter(static_cast<float>(top), 0.0f));
    const ExitOutcome e = simulate_exit(out, gold, task, t);
    s.push_back({.threshold = t, .metric = e.metric, .mean_exit_layer = e.mean_exit_layer});
  }
  return s;
}

ThresholdChoice choose_threshold(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task,
                                 int classes, double max_drop, int points) {
  const auto s = sweep(out, gold, task, classes, points);
  ThresholdChoice c{.threshold = 0, .full_metric = s[0].metric, .metric = s[0].metric,
                    .mean_exit_layer = s[0].mean_exit_layer};
  for (size_t k = 1; k < s.size(); ++k) {
    if (s[k].metric < c.full_metric - max_drop) break;
    c.threshold = s[k].threshold;
    c.metric = s[k].metric;
    c.mean_exit_layer = s[k].mean_exit_layer;
  }
  return c;
}

std::vector<LayerStats> layer_stats(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task) {
  const size_t N = out.size(), L = static_cast<size_t>(out.layers);
  std::vector<LayerStats> stats;
  for (size_t l = 0; l < L; ++l) {
    std::vector<double> e(N);
    std::vector<int> lab(N);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < N; ++i) {
      e[i] = out.entropy[i * L + l];
      lab[i] = out.label[i * L + l];
      sum += e[i];
      sq += e[i] * e[i];
    }
    std::sort(e.begin(), e.end());
    auto q = [&](double f) { return N ? e[std::min(N - 1, static_cast<size_t>(f * static_cast<double>(N)))] : 0.0; };
    const double mean = N ? sum / static_cast<double>(N) : 0;
    stats.push_back({.layer = static_cast<int>(l + 1),
                     .mean = mean,
                     .stddev = N ? std::sqrt(std::max(0.0, sq / static_cast<double>(N) - mean * mean)) : 0,
                     .p10 = q(0.1),
                     .p50 = q(0.5),
                     .p90 = q(0.9),
                     .metric = N ? headline_metric(task, lab, gold) : 0});
  }
  return stats;
}

PredictorTable build_predictor(const LayerOutputs& out, int layer, int bins, int classes) {
  const size_t N = out.size(), L = static_cast<size_t>(out.layers);
  if (layer < 1 || layer >= out.layers) throw Error("predictor: layer must be in [1, L − 1]");
  if (bins < 1) throw Error("predictor: bins must be >= 1");
  const size_t later = L - static_cast<size_t>(layer);
  std::vector<std::vector<double>> sum(static_cast<size_t>(bins), std::vector<double>(later, 0.0));
  std::vector<size_t> count(static_cast<size_t>(bins), 0);
  for (size_t i = 0; i < N; ++i) {
    const double h = out.entropy[i * L + static_cast<size_t>(layer) - 1];
    // The engine's binning: ⌊H·n⌋, clamped to [0, n − 1] (NaN → n − 1).
    const double x = std::floor(h * bins);
    const size_t b = std::isnan(x) || x >= bins ? static_cast<size_t>(bins - 1) : x < 0 ? 0 : static_cast<size_t>(x);
    for (size_t j = 0; j < later; ++j) sum[b][j] += out.entropy[i * L + static_cast<size_t>(layer) + j];
    ++count[b];
  }
  PredictorTable t{.layer = layer, .bins = bins, .entropy = {}};
  t.entropy.assign(static_cast<size_t>(bins), std::vector<double>(later, std::log(static_cast<double>(classes))));
  for (size_t b = 0; b < static_cast<size_t>(bins); ++b) {
    size_t src = b;
    if (!count[b]) {  // nearest non-empty bin, the lower on a tie
      bool found = false;
      for (size_t d = 1; d < static_cast<size_t>(bins) && !found; ++d) {
        if (b >= d && count[b - d]) src = b - d, found = true;
        else if (b + d < static_cast<size_t>(bins) && count[b + d]) src = b + d, found = true;
      }
      if (!found) continue;
    }
    for (size_t j = 0; j < later; ++j) t.entropy[b][j] = sum[src][j] / static_cast<double>(count[src]);
  }
  return t;
}

}  // namespace edgemt::train
