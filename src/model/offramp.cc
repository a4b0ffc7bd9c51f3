// Off-ramp weights by name and the ramp on the GEMM kernels.
#include "model/offramp.h"

#include "core/error.h"
#include "formats/tensor_access.h"
#include "kernels/norm_act.h"

namespace edgemt {

OffRamps load_offramps(const SafetensorsFile& f, OffRampKind kind, const std::vector<int>& layers, int C,
                       const AlbertConfig& c, std::vector<std::unique_ptr<float[]>>& owned,
                       std::set<std::string>& used) {
  const int H = c.hidden_size;
  const auto get = [&](const std::string& name, const std::vector<int64_t>& shape) {
    const float* p = f32_tensor(f, name, shape, owned);
    for (const auto& n : storage_tensors(f, name)) used.insert(n);  // a bitmask tensor is stored as two
    return p;
  };
  OffRamps r;
  r.kind = kind;
  r.after.resize(static_cast<size_t>(c.total_layers()));
  for (int l : layers) {
    EDGEMT_CHECK(l >= 1 && l <= c.total_layers());
    const std::string p = "offramps." + std::to_string(l) + ".";
    OffRampW w;
    if (kind == OffRampKind::Full) {
      w.pooler = load_linear(f, {p + "pooler"}, H, H, owned, used);
    } else {
      w.norm = {get(p + "norm.weight", {H}), get(p + "norm.bias", {H})};
    }
    w.classifier = load_linear(f, {p + "classifier"}, C, H, owned, used);
    r.after[static_cast<size_t>(l - 1)] = w;
  }
  return r;
}

void apply_offramp(const OffRampW& r, OffRampKind kind, const float* cls, int B, int H, float eps, float* logits) {
  std::vector<float> x(static_cast<size_t>(B) * H);  // [B, H]
  if (kind == OffRampKind::Full) {
    linear(r.pooler, cls, B, x.data());  // [B, H]
    ops::tanh_inplace(x.data(), static_cast<long>(B) * H);
  } else {
    ops::layer_norm(cls, nullptr, B, H, r.norm.gamma, r.norm.beta, eps, x.data());
  }
  linear(r.classifier, x.data(), B, logits);  // [B, C]
}

}  // namespace edgemt
