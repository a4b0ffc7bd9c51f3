// Trace records: static per-layer work (from the config, the task pack and weight densities) for the
// layers a sentence actually ran, plus its entropies and exit.
#include "runtime/trace.h"

#include <cmath>

#include "core/error.h"
#include "formats/model_dir.h"
#include "formats/safetensors.h"
#include "kernels/attention.h"
#include "runtime/task_pack.h"

namespace edgemt {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Tracer {
  const Engine& engine;
  const TaskPack& pack;
  const AlbertConfig& c;
  std::string prefix;  // "albert." for AlbertFor* checkpoints

  double density(const std::string& name, bool task) const {
    const auto& m = task ? pack.density : engine.weight_density();
    const auto it = m.find(name);
    return it == m.end() ? 1.0 : it->second;
  }
  // One GEMM y [M, N] = x [M, K] · Wᵀ, W the tensor `name` of the model ("model") or the task pack ("task").
  json gemm(const std::string& op, const std::string& name, bool task, long M, long N, long K) const {
    return {{"op", op},
            {"weight", name},
            {"file", task ? "task" : "model"},
            {"shape", {M, N, K}},
            {"density", density(name, task)}};
  }
  // The task head's tensors: the pack's, or for the checkpoint's own task "default" the model file's.
  std::pair<std::string, bool> head_name(const std::string& t) const {
    if (pack.file) return {t + ".weight", true};
    return {(t == "pooler" ? prefix : "") + t + ".weight", false};
  }

  json layer(int l, int T, const Prediction& p) const {  // l 1-based
    const long H = c.hidden_size, I = c.intermediate_size, NH = c.num_attention_heads;
    const int app = l - 1, g = (app / c.inner_group_num) / c.layers_per_group(), i = app % c.inner_group_num;
    const std::string w =
        prefix + "encoder.albert_layer_groups." + std::to_string(g) + ".albert_layers." + std::to_string(i) + ".";
    json gemms = json::array();
    for (const char* q : {"query", "key", "value"})
      gemms.push_back(gemm(std::string("attention.") + q, w + "attention." + q + ".weight", false, T, H, H));
    gemms.push_back(gemm("attention.dense", w + "attention.dense.weight", false, T, H, H));
    const long m = pack.adapters ? pack.adapters->spec.size : 0;
    const std::string a =
        pack.adapters ? "adapters." + std::to_string(pack.adapters->spec.share_across_layers ? 0 : app) + "." : "";
    if (m) {
      gemms.push_back(gemm("adapter.attention.down", a + "attention.down.weight", true, T, m, H));
      gemms.push_back(gemm("adapter.attention.up", a + "attention.up.weight", true, T, H, m));
    }
    gemms.push_back(gemm("ffn", w + "ffn.weight", false, T, I, H));
    gemms.push_back(gemm("ffn_output", w + "ffn_output.weight", false, T, H, I));
    if (m) {
      gemms.push_back(gemm("adapter.ffn.down", a + "ffn.down.weight", true, T, m, H));
      gemms.push_back(gemm("adapter.ffn.up", a + "ffn.up.weight", true, T, H, m));
    }
    // Attention: per head the span, its window and the query–key pairs scored (each costs DH MACs for
    // Q·K and DH for the weighted sum of V).
    json spans = nullptr, windows = json::array(), pairs = json::array();
    long total = 0, softmax_rows = 0;
    for (int h = 0; h < NH; ++h) {
      long n = static_cast<long>(T) * T;
      int window = T - 1;
      if (pack.spans) {
        const ops::HeadSpan s{pack.spans->at(app)[h], pack.spans->ramp};
        n = ops::attended_pairs(std::span<const ops::HeadSpan>(&s, 1), T);
        window = std::min(ops::span_window(s), T - 1);
      }
      windows.push_back(window);
      pairs.push_back(n);
      total += n;
      softmax_rows += n > 0 ? T : 0;
    }
    if (pack.spans) {
      spans = json::array();
      for (int h = 0; h < NH; ++h) spans.push_back(pack.spans->at(app)[h]);
    }
    json attention = {{"heads", NH},          {"head_dim", H / NH},
                      {"spans", spans},       {"ramp", pack.spans ? json(pack.spans->ramp) : json()},
                      {"windows", windows},   {"pairs", pairs},
                      {"pairs_total", total}, {"full_pairs", NH * T * T}};
    json r = {{"layer", l},
              {"group", g},
              {"inner", i},
              {"gemms", gemms},
              {"attention", attention},
              {"sfu",
               {{"layer_norm_rows", 2 * T},
                {"layer_norm_width", H},
                {"softmax_rows", softmax_rows},
                {"activation_elements", T * I + 2 * T * m},
                {"residual_adds", 2 * T * H + (m ? 2 * T * H : 0)}}}};
    const OffRampW* ramp = pack.offramps && p.early_exit && l < c.total_layers() ? pack.offramps->at(l) : nullptr;
    if (ramp) {
      const long C = ramp->classifier.out;
      const std::string o = "offramps." + std::to_string(l) + ".";
      json og = json::array();
      const bool full = pack.offramps->kind == OffRampKind::Full;
      if (full) og.push_back(gemm("offramp.pooler", o + "pooler.weight", true, 1, H, H));
      og.push_back(gemm("offramp.classifier", o + "classifier.weight", true, 1, C, H));
      const float e = p.entropies[static_cast<size_t>(l - 1)];
      r["offramp"] = {{"kind", full ? "full" : "light"},
                      {"gemms", og},
                      {"entropy", std::isnan(e) ? json() : json(e)},
                      {"exit", p.exit_layer == l}};
    }
    return r;
  }
};

}  // namespace

json trace_record(const Engine& engine, const TraceContext& ctx, const Prediction& p, size_t index) {
  const AlbertConfig& c = engine.model_dir().config;
  Tracer t{engine, engine.task_pack(ctx.task), c,
           engine.weight_density().count("albert.encoder.embedding_hidden_mapping_in.weight") ? "albert." : ""};
  const int T = p.tokens, L = c.total_layers();
  const long H = c.hidden_size, E = c.embedding_size;
  json entropies = json::array();
  for (float e : p.entropies) entropies.push_back(std::isnan(e) ? json() : json(e));
  json layers = json::array();
  for (int l = 1; l <= p.exit_layer; ++l) layers.push_back(t.layer(l, T, p));
  json r = {{"index", index},
            {"task", ctx.task},
            {"tokens", T},
            {"layers", L},
            {"layers_run", p.exit_layer},
            {"exit_layer", p.exit_layer},
            {"predicted_exit_layer", p.predicted_exit_layer ? json(p.predicted_exit_layer) : json()},
            {"early_exit", p.early_exit},
            {"policy", exit_policy_name(ctx.policy)},
            {"threshold", ctx.exit_threshold},
            {"entropies", entropies},
            {"embedding",
             {{"lookups", T},
              {"width", E},
              {"gemms",
               {t.gemm("embedding_hidden_mapping_in", t.prefix + "encoder.embedding_hidden_mapping_in.weight", false, T,
                       H, E)}}}},
            {"per_layer", layers}};
  if (p.exit_layer == L) {
    const auto [pool, pool_task] = t.head_name("pooler");
    const auto [cls, cls_task] = t.head_name("classifier");
    const long C = t.pack.classifier.out;
    r["head"] = {{"gemms", {t.gemm("pooler", pool, pool_task, 1, H, H), t.gemm("classifier", cls, cls_task, 1, C, H)}}};
  }
  if (p.score)
    r["score"] = *p.score;
  else
    r["label_id"] = p.label_id;
  return r;
}

void check_output_path(const fs::path& out, const std::string& what) {
  std::error_code ec;
  if (fs::is_directory(out, ec)) throw Error(out.string() + ": " + what + " path is a directory");
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec))
    throw Error(out.string() + ": " + what + " folder " + parent.string() + " does not exist");
}

void write_trace(const Engine& engine, const EvalResult& result, const fs::path& out) {
  check_output_path(out, "trace");
  const TraceContext ctx{.task = result.task, .exit_threshold = result.exit_threshold, .policy = result.exit_policy};
  std::string text;
  for (size_t i = 0; i < result.predictions.size(); ++i)
    text += trace_record(engine, ctx, result.predictions[i], i).dump() + "\n";
  write_file_atomic(out, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace edgemt
