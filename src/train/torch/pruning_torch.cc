// Magnitude and movement pruning: Top-K masks, the straight-through estimator, the cubic schedule.
#include "train/torch/pruning_torch.h"

#include <cmath>

#include "core/error.h"

namespace edgemt::train {

double CubicSchedule::keep(int64_t step) const {
  if (step < warmup) return 1.0;
  const int64_t span = total - warmup - cooldown;
  if (span <= 0 || step >= total - cooldown) return final_keep;
  const double f = 1.0 - static_cast<double>(step - warmup) / static_cast<double>(span);
  return final_keep + (1.0 - final_keep) * f * f * f;
}

int64_t pruned_count(int64_t n, double sparsity) {
  return std::min<int64_t>(n, static_cast<int64_t>(std::floor(sparsity * static_cast<double>(n) + 1e-9)));
}

int64_t magnitude_prune_(torch::Tensor w, double sparsity) {
  torch::NoGradGuard no_grad;
  const int64_t k = pruned_count(w.numel(), sparsity);
  if (k <= 0) return 0;
  const auto flat = w.view({-1});
  const auto order = torch::argsort(flat.abs().to(torch::kFloat), /*stable=*/true, /*dim=*/0, /*descending=*/false);
  flat.index_fill_(0, order.slice(0, 0, k), 0.0);
  return k;
}

double zero_fraction(const torch::Tensor& w) {
  return w.numel() ? (w == 0).sum().item<double>() / static_cast<double>(w.numel()) : 0.0;
}

MovementPruner::MovementPruner(std::vector<PruneTarget> targets, const MovementPrunerOptions& o, CubicSchedule s)
    : targets_(std::move(targets)), scores_(std::make_shared<torch::nn::Module>()), options_(o), schedule_(s) {
  if (!(o.sparsity >= 0 && o.sparsity < 1)) throw Error("movement pruning: sparsity must be in [0, 1)");
  if (o.score_init != "magnitude" && o.score_init != "constant")
    throw Error("movement pruning: score init must be magnitude or constant, got '" + o.score_init + "'");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const auto w = targets_[i].linear->weight;
    weights_.push_back(w);
    auto s0 = o.score_init == "constant" ? torch::zeros_like(w, torch::kFloat)
                                         : (w.abs() / w.abs().mean().clamp_min(1e-12)).to(torch::kFloat);
    scores_list_.push_back(scores_->register_parameter("s" + std::to_string(i), s0));
  }
}

torch::Tensor MovementPruner::mask(size_t i, double sparsity) const {
  torch::NoGradGuard no_grad;
  const auto& s = scores_list_[i];
  const int64_t n = s.numel(), kept = n - pruned_count(n, sparsity);
  if (kept >= n) return torch::ones_like(s);
  auto m = torch::zeros({n}, s.options());
  if (kept > 0) m.index_fill_(0, std::get<1>(torch::topk(s.view({-1}), kept, 0, true, false)), 1.0);
  return m.view_as(s);
}

void MovementPruner::apply(int64_t step) {
  const double sparsity = std::min(options_.sparsity, 1.0 - schedule_.keep(step));
  for (size_t i = 0; i < targets_.size(); ++i) {
    const auto& s = scores_list_[i];
    const auto m = mask(i, sparsity) + (s - s.detach());  // value: the mask; gradient: straight through
    targets_[i].linear->weight = weights_[i] * m.to(weights_[i].scalar_type());
  }
}

void MovementPruner::apply_final() {
  for (size_t i = 0; i < targets_.size(); ++i)
    targets_[i].linear->weight = weights_[i] * mask(i, options_.sparsity).to(weights_[i].scalar_type());
}

double MovementPruner::bake() {
  torch::NoGradGuard no_grad;
  double zeros = 0, total = 0;
  for (size_t i = 0; i < targets_.size(); ++i) {
    weights_[i].mul_(mask(i, options_.sparsity).to(weights_[i].scalar_type()));
    targets_[i].linear->weight = weights_[i];
    zeros += (weights_[i] == 0).sum().item<double>();
    total += static_cast<double>(weights_[i].numel());
  }
  return total > 0 ? zeros / total : 0.0;
}

}  // namespace edgemt::train
