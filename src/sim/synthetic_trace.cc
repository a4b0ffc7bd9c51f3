// Synthetic trace records, field for field as src/runtime/trace.cc writes them.
#include "sim/synthetic_trace.h"

#include <algorithm>
#include <random>

#include "core/error.h"

namespace edgemt::sim {

using nlohmann::json;

namespace {

json gemm(const std::string& op, const std::string& weight, bool task, long M, long N, long K, double density) {
  return {{"op", op}, {"weight", weight}, {"file", task ? "task" : "model"}, {"shape", {M, N, K}}, {"density", density}};
}

long pairs_for(long T, long w) {  // query–key pairs of one head (docs/formats.md)
  if (w < 0 || w >= T - 1) return T * T;
  if (w == 0) return 0;
  return T * (2 * w + 1) - w * (w + 1);
}

}  // namespace

json synthetic_record(const SyntheticTraceOptions& o, long index) {
  EDGEMT_CHECK(o.layers >= 1 && o.min_tokens >= 2 && o.max_tokens >= o.min_tokens && o.heads >= 1);
  std::mt19937 rng(o.seed * 1000003u + static_cast<uint32_t>(index));
  const long T = std::uniform_int_distribution<long>(o.min_tokens, o.max_tokens)(rng);
  const long L = o.layers, H = o.hidden, I = o.intermediate, m = o.adapter_size, C = o.classes;
  int exit = static_cast<int>(L);
  const bool early = o.mean_exit_layer > 0;
  if (early) {  // 1 + geometric with mean 1/p, truncated at L
    std::geometric_distribution<int> g(std::min(1.0, 1.0 / o.mean_exit_layer));
    exit = std::min(static_cast<int>(L), 1 + g(rng));
  }
  json predicted = nullptr;
  if (o.predict && exit > 1) predicted = std::min(static_cast<int>(L), exit + static_cast<int>(rng() % 2));

  const std::string w = "albert.encoder.albert_layer_groups.0.albert_layers.0.";
  json per_layer = json::array(), entropies = json::array();
  for (long l = 1; l <= exit; ++l) {
    json gemms = json::array();
    for (const char* q : {"query", "key", "value", "dense"})
      gemms.push_back(gemm(std::string("attention.") + q, w + "attention." + q + ".weight", false, T, H, H, o.density));
    const std::string a = "adapters." + std::to_string(l - 1) + ".";
    if (m) {
      gemms.push_back(gemm("adapter.attention.down", a + "attention.down.weight", true, T, m, H, 1));
      gemms.push_back(gemm("adapter.attention.up", a + "attention.up.weight", true, T, H, m, 1));
    }
    gemms.push_back(gemm("ffn", w + "ffn.weight", false, T, I, H, o.density));
    gemms.push_back(gemm("ffn_output", w + "ffn_output.weight", false, T, H, I, o.density));
    if (m) {
      gemms.push_back(gemm("adapter.ffn.down", a + "ffn.down.weight", true, T, m, H, 1));
      gemms.push_back(gemm("adapter.ffn.up", a + "ffn.up.weight", true, T, H, m, 1));
    }
    json windows = json::array(), pairs = json::array();
    long total = 0, softmax_rows = 0;
    for (long h = 0; h < o.heads; ++h) {
      const long p = pairs_for(T, o.span_window);
      windows.push_back(o.span_window < 0 ? T - 1 : std::min(o.span_window, T - 1));
      pairs.push_back(p);
      total += p;
      softmax_rows += p > 0 ? T : 0;
    }
    json layer = {{"layer", l}, {"group", 0}, {"inner", 0}, {"gemms", gemms},
                  {"attention", {{"heads", o.heads}, {"head_dim", H / o.heads}, {"spans", nullptr}, {"ramp", nullptr},
                                 {"windows", windows}, {"pairs", pairs}, {"pairs_total", total},
                                 {"full_pairs", o.heads * T * T}}},
                  {"sfu", {{"layer_norm_rows", 2 * T}, {"layer_norm_width", H}, {"softmax_rows", softmax_rows},
                           {"activation_elements", T * I + 2 * T * m}, {"residual_adds", 2 * T * H + (m ? 2 * T * H : 0)}}}};
    const double entropy = l == exit ? 0.05 : 0.6;
    if (early && l < L) {
      const std::string r = "offramps." + std::to_string(l) + ".";
      layer["offramp"] = {{"kind", "light"}, {"gemms", {gemm("offramp.classifier", r + "classifier.weight", true, 1, C, H, 1)}},
                          {"entropy", entropy}, {"exit", l == exit}};
    }
    entropies.push_back(early && l < L ? json(entropy) : json());
    per_layer.push_back(std::move(layer));
  }
  json r = {{"index", index}, {"task", o.task}, {"tokens", T}, {"layers", L}, {"layers_run", exit},
            {"exit_layer", exit}, {"predicted_exit_layer", predicted}, {"early_exit", early},
            {"policy", o.predict ? "latency-bounded" : "entropy"}, {"threshold", early ? 0.3 : 0.0},
            {"entropies", entropies},
            {"embedding", {{"lookups", T}, {"width", o.embedding},
                           {"gemms", {gemm("embedding_hidden_mapping_in", "albert.encoder.embedding_hidden_mapping_in.weight",
                                           false, T, H, o.embedding, o.density)}}}},
            {"per_layer", per_layer}, {"label_id", static_cast<int>(rng() % static_cast<uint32_t>(C))}};
  if (exit == L)
    r["head"] = {{"gemms", {gemm("pooler", "pooler.weight", true, 1, H, H, 1), gemm("classifier", "classifier.weight", true, 1, C, H, 1)}}};
  return r;
}

void write_synthetic_trace(std::ostream& out, const SyntheticTraceOptions& o) {
  for (long i = 0; i < o.sentences; ++i) out << synthetic_record(o, i).dump() << "\n";
}

}  // namespace edgemt::sim
