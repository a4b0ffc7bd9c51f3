// Adapter weights by name (adapters.{a}.*) and the Houlsby bottleneck on the GEMM kernels.
#include "model/adapters.h"

#include <charconv>

#include "core/error.h"
#include "formats/tensor_access.h"
#include "kernels/norm_act.h"

namespace edgemt {

namespace {

constexpr std::string_view kPrefix = "adapters.";

// a of "adapters.{a}.…"; −1 when the name has no decimal set index there.
long set_index(std::string_view name) {
  const std::string_view rest = name.substr(kPrefix.size());
  long a = -1;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), a);
  if (ec != std::errc() || end == rest.data() || end == rest.data() + rest.size() || *end != '.') return -1;
  return a;
}

}  // namespace

int adapter_set_count(const AlbertConfig& c, const AdapterSpec& spec) {
  return spec.share_across_layers ? 1 : c.total_layers();
}

size_t adapter_set_params(int H, int m) {
  const auto h = static_cast<size_t>(H), k = static_cast<size_t>(m);
  return 2 * (2 * h * k + h + k) + 4 * h;
}

TaskAdapters load_adapters(const SafetensorsFile& f, const AdapterSpec& spec, const AlbertConfig& c,
                           std::vector<std::unique_ptr<float[]>>& owned, std::set<std::string>& used) {
  const int A = adapter_set_count(c, spec), H = c.hidden_size, m = spec.size;
  const std::string where = f.path().string() + ": ";
  const std::string expects =
      spec.share_across_layers
          ? std::string("task.json 'adapter.share_across_layers' true expects 1 adapter set (adapters.0.*)")
          : "task.json 'adapter.share_across_layers' false expects " + std::to_string(A) +
                " adapter sets adapters.0 … adapters." + std::to_string(A - 1) +
                ", one per layer application (num_hidden_layers " + std::to_string(c.num_hidden_layers) +
                " × inner_group_num " + std::to_string(c.inner_group_num) + ")";
  std::set<long> present;
  for (const auto& t : f.tensors()) {
    if (t.name.rfind(kPrefix, 0) != 0) continue;
    const long a = set_index(t.name);
    if (a < 0 || a >= A) throw Error(where + "unexpected tensor '" + t.name + "': " + expects);
    present.insert(a);
  }
  for (long a = 0; a < A; ++a)
    if (!present.count(a))
      throw Error(where + "no tensors of adapter set " + std::to_string(a) + " (missing '" + std::string(kPrefix) +
                  std::to_string(a) + ".attention.down.weight'): " + expects);

  const auto get = [&](const std::string& name, const std::vector<int64_t>& shape) {
    const float* p = f32_tensor(f, name, shape, owned);
    for (const auto& n : storage_tensors(f, name)) used.insert(n);  // a bitmask tensor is stored as two
    return p;
  };
  const auto linear = [&](const std::string& prefix, int out, int in) {
    return load_linear(f, {prefix}, out, in, owned, used);
  };
  const auto adapter = [&](const std::string& prefix) {
    return AdapterW{linear(prefix + ".down", m, H), linear(prefix + ".up", H, m)};
  };
  const auto norm = [&](const std::string& prefix) {
    return NormW{get(prefix + ".weight", {H}), get(prefix + ".bias", {H})};
  };

  TaskAdapters r;
  r.spec = spec;
  for (int a = 0; a < A; ++a) {
    const std::string p = std::string(kPrefix) + std::to_string(a) + ".";
    r.sets.push_back({adapter(p + "attention"), adapter(p + "ffn"), norm(p + "attention_norm"), norm(p + "full_norm")});
  }
  return r;
}

void apply_adapter(const AdapterW& a, Activation f, float* x, int N, float* scratch) {
  const int H = a.up.out, m = a.down.out;
  float* u = scratch + static_cast<long>(N) * m;  // [N, H] up(f(down(x)))
  linear(a.down, x, N, scratch);                   // [N, m] down(x)
  ops::activate(f, scratch, static_cast<long>(N) * m);
  linear(a.up, scratch, N, u);
  for (long i = 0; i < static_cast<long>(N) * H; ++i) x[i] += u[i];
}

}  // namespace edgemt
