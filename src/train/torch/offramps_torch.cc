// Off-ramp modules: full (pooler + tanh + classifier) and light (LayerNorm + classifier).
#include "train/torch/offramps_torch.h"

namespace edgemt::train {

namespace nn = torch::nn;

OffRampImpl::OffRampImpl(const AlbertConfig& c, int classes, bool full) : full(full) {
  const int H = c.hidden_size;
  if (full)
    pooler = register_module("pooler", nn::Linear(H, H));
  else
    norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({H}).eps(c.layer_norm_eps)));
  classifier = register_module("classifier", nn::Linear(H, classes));
  torch::NoGradGuard no_grad;
  if (full) pooler->weight.normal_(0.0, 0.02), pooler->bias.zero_();
  classifier->weight.normal_(0.0, 0.02);
  classifier->bias.zero_();
}

torch::Tensor OffRampImpl::forward(const torch::Tensor& cls) {
  return classifier(full ? torch::tanh(pooler(cls)) : norm(cls));
}

OffRampsImpl::OffRampsImpl(const AlbertConfig& c, int classes, bool full) : full(full) {
  const int L = c.num_hidden_layers * c.inner_group_num;
  auto holder = register_module("offramps", std::make_shared<nn::Module>());
  for (int l = 1; l < L; ++l) {
    ramps.push_back(OffRamp(c, classes, full));
    holder->register_module(std::to_string(l), ramps.back());
  }
}

torch::Tensor entropy(const torch::Tensor& logits) {
  const auto z = logits.to(torch::kFloat);
  return torch::logsumexp(z, -1) - (torch::softmax(z, -1) * z).sum(-1);
}

}  // namespace edgemt::train
