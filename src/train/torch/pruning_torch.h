// Pruning for training (ALGORITHMS.md §6): magnitude pruning, and movement pruning (Sanh et al. 2020)
// with learned scores, Top-K masks, the straight-through gradient and the cubic keep schedule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace edgemt::train {

// Kept fraction at step t of T: 1 until t_w, k_f after T − t_c, else
// k_f + (1 − k_f)(1 − (t − t_w)/(T − t_w − t_c))³.
struct CubicSchedule {
  double final_keep = 1;  // k_f
  int64_t total = 1, warmup = 0, cooldown = 0;
  double keep(int64_t step) const;
};

// Elements a sparsity s prunes from a matrix of n: ⌊s·n⌋, as `edgemt compress --prune` counts them.
int64_t pruned_count(int64_t n, double sparsity);

// Zeroes exactly pruned_count(numel, s) elements of smallest |w| in place (ties: lower row-major index
// first, as edgemt compress), returns that count.
int64_t magnitude_prune_(torch::Tensor w, double sparsity);

// Fraction of exactly-zero elements.
double zero_fraction(const torch::Tensor& w);

struct PruneTarget {
  std::string name;
  torch::nn::Linear linear;  // its weight is pruned
};

// Scores S shaped like each weight; forward uses W ⊙ M with M = TopK(S) per matrix, keeping
// numel − ⌊(1 − k_t)·numel⌋ elements, and dL/dS = dL/d(W⊙M) ⊙ W (straight through).
struct MovementPrunerOptions {
  double sparsity = 0.5;             // final, per matrix
  std::string score_init = "magnitude";  // magnitude: S₀ = |W|/mean|W| (hybrid); constant: S₀ = 0 (pure movement)
};

class MovementPruner {
 public:
  MovementPruner(std::vector<PruneTarget> targets, const MovementPrunerOptions& options, CubicSchedule schedule);
  torch::nn::Module& scores() { return *scores_; }  // parameters for their own optimiser
  // Points every target's Linear::weight at W ⊙ M for the keep fraction of `step` (a non-leaf tensor:
  // the registered parameter W stays the optimiser's). Call before each forward.
  void apply(int64_t step);
  // Eval: the final masks, no gradient to the scores.
  void apply_final();
  // W ← W ⊙ M(k_f) in place, Linear::weight back to W; returns the zero fraction over all targets.
  double bake();
  const std::vector<PruneTarget>& targets() const { return targets_; }

 private:
  torch::Tensor mask(size_t i, double sparsity) const;
  std::vector<PruneTarget> targets_;
  std::vector<torch::Tensor> weights_, scores_list_;
  std::shared_ptr<torch::nn::Module> scores_;
  MovementPrunerOptions options_;
  CubicSchedule schedule_;
};

}  // namespace edgemt::train
