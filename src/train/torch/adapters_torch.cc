// Houlsby adapter modules: init (near-identity) and the bottleneck.
#include "train/torch/adapters_torch.h"

#include <string>

#include "train/torch/albert_torch.h"

namespace edgemt::train {

namespace nn = torch::nn;

BottleneckImpl::BottleneckImpl(int hidden, int size, Activation f) : f(f) {
  down = register_module("down", nn::Linear(hidden, size));
  up = register_module("up", nn::Linear(size, hidden));
  torch::NoGradGuard no_grad;
  down->weight.normal_(0.0, 0.02);
  down->bias.zero_();
  up->weight.zero_();  // identity at the start (Houlsby et al.: near-identity init)
  up->bias.zero_();
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) { return x + up(activation(f, down(x))); }

AdapterSetImpl::AdapterSetImpl(const AlbertConfig& c, const AdapterSpecT& spec) {
  attention = register_module("attention", Bottleneck(c.hidden_size, spec.size, spec.activation));
  ffn = register_module("ffn", Bottleneck(c.hidden_size, spec.size, spec.activation));
  auto ln = [&] { return nn::LayerNorm(nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)); };
  attention_norm = register_module("attention_norm", ln());
  full_norm = register_module("full_norm", ln());
}

TaskAdaptersImpl::TaskAdaptersImpl(const AlbertConfig& c, const AdapterSpecT& spec) : spec(spec) {
  const int count = spec.share_across_layers ? 1 : c.num_hidden_layers * c.inner_group_num;
  auto list = register_module("adapters", nn::ModuleList());
  for (int a = 0; a < count; ++a) {
    sets.push_back(AdapterSet(c, spec));
    list->push_back(sets.back());
  }
}

}  // namespace edgemt::train
