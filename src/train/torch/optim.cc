// AdamW (torch::optim::AdamW, two parameter groups) and LAMB (You et al. 2019, Algorithm 2).
#include "train/torch/optim.h"

#include <algorithm>

#include "core/error.h"

namespace edgemt::train {

namespace {

bool decays(const std::string& name) {
  return name.ends_with(".weight") && name.find("LayerNorm") == std::string::npos &&
         name.find("layer_norm") == std::string::npos && name.find("_norm.") == std::string::npos;
}

class AdamW final : public Optimizer {
 public:
  AdamW(torch::nn::Module& model, const OptimOptions& o) {
    std::vector<torch::Tensor> decay, no_decay;
    for (const auto& item : model.named_parameters()) (decays(item.key()) ? decay : no_decay).push_back(item.value());
    auto opts = [&](double wd) {
      return std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(0.0).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, opts(o.weight_decay));
    groups.emplace_back(no_decay, opts(0.0));
    opt_ = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(0.0));
  }
  void step(double lr) override {
    for (auto& g : opt_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    opt_->step();
  }
  void zero_grad() override { opt_->zero_grad(); }
  void save(torch::serialize::OutputArchive& a) const override { opt_->save(a); }
  void load(torch::serialize::InputArchive& a) override { opt_->load(a); }

 private:
  std::unique_ptr<torch::optim::AdamW> opt_;
};

// LAMB: Adam's bias-corrected update u = m̂/(√v̂ + ε) + λw, scaled per tensor by the trust ratio
// ‖w‖/‖u‖ (1 when either norm is 0): w ← w − lr·(‖w‖/‖u‖)·u.
class Lamb final : public Optimizer {
 public:
  Lamb(torch::nn::Module& model, const OptimOptions& o) : o_(o) {
    for (const auto& item : model.named_parameters()) {
      params_.push_back(item.value());
      decay_.push_back(decays(item.key()));
      m_.push_back(torch::zeros_like(item.value()));
      v_.push_back(torch::zeros_like(item.value()));
    }
  }
  void step(double lr) override {
    torch::NoGradGuard no_grad;
    ++t_;
    const double c1 = 1.0 - std::pow(o_.beta1, static_cast<double>(t_));
    const double c2 = 1.0 - std::pow(o_.beta2, static_cast<double>(t_));
    for (size_t i = 0; i < params_.size(); ++i) {
      auto& p = params_[i];
      if (!p.grad().defined()) continue;
      const auto g = p.grad();
      m_[i].mul_(o_.beta1).add_(g, 1.0 - o_.beta1);
      v_[i].mul_(o_.beta2).addcmul_(g, g, 1.0 - o_.beta2);
      auto u = (m_[i] / c1) / ((v_[i] / c2).sqrt() + o_.eps);
      if (decay_[i]) u.add_(p, o_.weight_decay);
      const double wn = p.norm().item<double>(), un = u.norm().item<double>();
      const double trust = wn > 0 && un > 0 ? wn / un : 1.0;
      p.add_(u, -lr * trust);
    }
  }
  void zero_grad() override {
    for (auto& p : params_)
      if (p.grad().defined()) p.grad().zero_();
  }
  void save(torch::serialize::OutputArchive& a) const override {
    a.write("lamb.step", torch::tensor(t_));
    for (size_t i = 0; i < params_.size(); ++i) {
      a.write("lamb.m." + std::to_string(i), m_[i], /*is_buffer=*/true);
      a.write("lamb.v." + std::to_string(i), v_[i], /*is_buffer=*/true);
    }
  }
  void load(torch::serialize::InputArchive& a) override {
    torch::Tensor step;
    a.read("lamb.step", step);
    t_ = step.item<int64_t>();
    for (size_t i = 0; i < params_.size(); ++i) {
      a.read("lamb.m." + std::to_string(i), m_[i], /*is_buffer=*/true);
      a.read("lamb.v." + std::to_string(i), v_[i], /*is_buffer=*/true);
    }
  }

 private:
  OptimOptions o_;
  std::vector<torch::Tensor> params_, m_, v_;
  std::vector<bool> decay_;
  int64_t t_ = 0;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(torch::nn::Module& model, const OptimOptions& options) {
  if (options.kind == "adamw") return std::make_unique<AdamW>(model, options);
  if (options.kind == "lamb") return std::make_unique<Lamb>(model, options);
  throw Error("--optimizer: '" + options.kind + "' is not supported (adamw, lamb)");
}

double learning_rate(int64_t step, int64_t total, int64_t warmup, double peak) {
  if (step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const int64_t decay_steps = std::max<int64_t>(1, total - warmup);
  return peak * std::max(0.0, static_cast<double>(total - step) / static_cast<double>(decay_steps));
}

}  // namespace edgemt::train
