// Adaptive span: the soft mask m(d) = clamp((R + z − d)/R, 0, 1) on query–key distance, as a log bias.
#include "train/torch/spans_torch.h"

namespace edgemt::train {

TaskSpansImpl::TaskSpansImpl(int applications, int heads, const SpanSpec& s) : spec(s) {
  u = register_parameter("u", torch::ones({applications, heads}));
}

torch::Tensor TaskSpansImpl::z() const { return spec.max_span * u.clamp(0.0, 1.0); }

torch::Tensor TaskSpansImpl::bias(int application, int64_t T, const torch::Device& device) const {
  const auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kFloat).device(device));
  const auto d = (pos.unsqueeze(0) - pos.unsqueeze(1)).abs();                     // [T, T]
  const auto zh = z().select(0, application).to(device).view({-1, 1, 1});         // [NH, 1, 1]
  const auto m = ((spec.ramp + zh - d) / spec.ramp).clamp(0.0, 1.0);              // [NH, T, T]
  // log(clamp_min) has zero gradient where m ≤ 0 (no 0·inf); the constant -1e9 removes those keys.
  const auto outside = (m <= 0).to(torch::kFloat).detach() * -1e9;
  return (m.clamp_min(1e-12).log() + outside).unsqueeze(0);                       // [1, NH, T, T]
}

torch::Tensor TaskSpansImpl::loss() const { return spec.lambda * z().mean(); }

void TaskSpansImpl::clamp_() {
  torch::NoGradGuard no_grad;
  u.clamp_(0.0, 1.0);
}

std::vector<std::vector<double>> TaskSpansImpl::spans() const {
  const auto zs = z().detach().to(torch::kCPU, torch::kDouble).contiguous();
  std::vector<std::vector<double>> out(static_cast<size_t>(zs.size(0)));
  for (int64_t a = 0; a < zs.size(0); ++a)
    for (int64_t h = 0; h < zs.size(1); ++h) out[static_cast<size_t>(a)].push_back(zs[a][h].item<double>());
  return out;
}

}  // namespace edgemt::train
