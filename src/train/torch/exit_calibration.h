// Entropy early exit offline (ALGORITHMS.md §3–4), without libtorch: per-layer entropies and
// predictions of a set of examples → what an exit threshold does (metric, mean exit layer), the
// threshold for a target metric drop, per-layer statistics and the exit-layer predictor's LUT.
#pragma once

#include <string>
#include <vector>

#include "text/glue_tasks.h"

namespace edgemt::train {

// Every off-ramp's (layers 1 … L − 1) and the head's (layer L) entropy and class per example.
struct LayerOutputs {
  int layers = 0;              // L
  std::vector<float> entropy;  // [N, L] nats
  std::vector<int> label;      // [N, L] argmax class
  size_t size() const { return layers ? entropy.size() / static_cast<size_t>(layers) : 0; }
};

struct ExitOutcome {
  std::vector<int> label, exit_layer;  // per example; exit_layer 1 … L
  double metric = 0, mean_exit_layer = 0;
};

// The engine's rule: exit after the first layer l < L whose entropy is < threshold, else run to L;
// threshold 0 runs no ramp. metric: the task's headline GLUE metric of the labels against gold.
ExitOutcome simulate_exit(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task,
                          float threshold);

struct SweepPoint {
  float threshold = 0;
  double metric = 0, mean_exit_layer = 0;
};

// Thresholds 0 and `points` evenly spaced values in (0, ln C].
std::vector<SweepPoint> sweep(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task,
                              int classes, int points);

struct ThresholdChoice {
  float threshold = 0;  // 0 when no positive threshold keeps the drop
  double full_metric = 0, metric = 0, mean_exit_layer = 0;
};

// The largest threshold t on the sweep grid such that every grid threshold ≤ t keeps
// metric ≥ full − max_drop (a prefix, so one lucky point past a violation is not taken).
ThresholdChoice choose_threshold(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task,
                                 int classes, double max_drop, int points = 400);

struct LayerStats {
  int layer = 0;
  double mean = 0, stddev = 0, p10 = 0, p50 = 0, p90 = 0;  // entropy, nats
  double metric = 0;                                        // the task metric of this layer's labels alone
};
std::vector<LayerStats> layer_stats(const LayerOutputs& out, const std::vector<float>& gold, const glue::TaskSpec& task);

// ALGORITHMS.md §4 LUT: bin b of the entropy at layer p (bins over [0, 1), clamped) → the mean
// entropy of each later layer p + 1 … L over the examples in that bin. An empty bin copies the
// nearest non-empty one (the lower on a tie); no example at all gives ln C everywhere.
struct PredictorTable {
  int layer = 0, bins = 0;
  std::vector<std::vector<double>> entropy;  // [bins][L − p]
};
PredictorTable build_predictor(const LayerOutputs& out, int layer, int bins, int classes);

// The headline metric's value (first of task.metrics) for labels against gold.
double headline_metric(const glue::TaskSpec& task, const std::vector<int>& label, const std::vector<float>& gold);

}  // namespace edgemt::train
