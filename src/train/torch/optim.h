// Optimisers for pretraining (AdamW from libtorch, LAMB written out) behind one small interface,
// and the learning-rate schedule: linear warm-up to the peak, then linear decay to 0.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace edgemt::train {

struct OptimOptions {
  std::string kind = "adamw";  // adamw | lamb
  double weight_decay = 0.01;  // not applied to biases and LayerNorm parameters
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-6;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step(double lr) = 0;
  virtual void zero_grad() = 0;
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load(torch::serialize::InputArchive& archive) = 0;
};

// Throws edgemt::Error on an unknown kind.
std::unique_ptr<Optimizer> make_optimizer(torch::nn::Module& model, const OptimOptions& options);

// lr at 0-based `step` of `total`: peak·(step+1)/warmup during warm-up, then linear decay to 0 at total.
double learning_rate(int64_t step, int64_t total, int64_t warmup, double peak);

}  // namespace edgemt::train
