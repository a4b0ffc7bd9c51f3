// Golden tests: the engine's forward pass against Hugging Face transformers outputs — the shared
// albert-tiny fixture and the project's own extra fixtures (several groups, inner groups, gelu,
// relu, silu, regression, MLM) in tests/data/hf.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/config.h"
#include "formats/safetensors.h"
#include "model/albert.h"
#include "model/weights.h"
#include "support/golden.h"
#include "support/paths.h"

namespace edgemt {
namespace {

using testing::expect_matches;
using testing::tensor_f32;

namespace fs = std::filesystem;

std::vector<int64_t> tensor_i64(const SafetensorsFile& f, const std::string& name) {
  const TensorInfo* t = f.find(name);
  EXPECT_TRUE(t && t->dtype == DType::I64) << name;
  if (!t) return {};
  std::vector<int64_t> v(t->numel());
  std::memcpy(v.data(), f.data(*t).data(), t->nbytes);
  return v;
}

struct Fixture {
  fs::path dir;          // holds reference.json / reference.safetensors
  fs::path cls;          // classifier checkpoint dir
  fs::path mlm;          // masked-LM checkpoint dir (may be empty)
};

void run_golden(const Fixture& fx) {
  std::ifstream in(fx.dir / "reference.json");
  const auto ref = nlohmann::json::parse(in);
  SafetensorsFile tensors(fx.dir / "reference.safetensors");
  const AlbertConfig cfg = load_albert_config(fx.cls / "config.json");
  LoadedWeights weights(fx.cls / "model.safetensors", cfg);
  AlbertModel model(cfg, weights.weights());
  const int H = cfg.hidden_size;
  ASSERT_EQ(ref["hidden_states"].get<int>(), cfg.total_layers() + 1);

  std::optional<AlbertConfig> mlm_cfg;
  std::optional<LoadedWeights> mlm_weights;
  if (!fx.mlm.empty()) {
    mlm_cfg = load_albert_config(fx.mlm / "config.json");
    mlm_weights.emplace(fx.mlm / "model.safetensors", *mlm_cfg);
  }
  const auto& cases = ref["cases"];
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k) + ": " + cases[k]["text"].get<std::string>());
    Sequence s{cases[k]["input_ids"].get<std::vector<int32_t>>(), cases[k]["token_type_ids"].get<std::vector<int32_t>>(), {}};
    const auto out = model.forward(std::span(&s, 1), {.keep_hidden_states = true});
    ASSERT_EQ(out.hidden_states.size(), static_cast<size_t>(cfg.total_layers() + 1));
    const std::string p = "case" + std::to_string(k) + ".";
    for (size_t l = 0; l < out.hidden_states.size(); ++l)
      expect_matches(out.hidden_states[l], tensor_f32(tensors, p + "hidden." + std::to_string(l)), "hidden." + std::to_string(l));
    expect_matches(out.pooled, tensor_f32(tensors, p + "pooled"), "pooled");
    expect_matches(out.logits, tensor_f32(tensors, p + "logits"), "logits");
    if (mlm_weights) {
      AlbertModel mlm(*mlm_cfg, mlm_weights->weights());
      const auto mo = mlm.forward(std::span(&s, 1), {.mlm = true});
      expect_matches(mo.mlm_logits, tensor_f32(tensors, p + "mlm_logits"), "mlm_logits");
    }
  }
  // The padded batch: every row, padding rows included (HF computes them too).
  const auto ids = tensor_i64(tensors, "batch.input_ids");
  const auto mask = tensor_i64(tensors, "batch.attention_mask");
  const auto logits = tensor_f32(tensors, "batch.logits");
  const size_t B = logits.size() / static_cast<size_t>(cfg.num_labels), T = ids.size() / B;
  std::vector<Sequence> batch(B);
  for (size_t b = 0; b < B; ++b)
    for (size_t t = 0; t < T; ++t) {
      batch[b].ids.push_back(static_cast<int32_t>(ids[b * T + t]));
      batch[b].type_ids.push_back(0);
      batch[b].mask.push_back(static_cast<uint8_t>(mask[b * T + t]));
    }
  const auto out = model.forward(batch);
  expect_matches(out.logits, logits, "batch.logits");
  expect_matches(out.last_hidden, tensor_f32(tensors, "batch.last_hidden"), "batch.last_hidden");
  (void)H;
}

TEST(Golden, SharedAlbertTinyClassifierAndMlm) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path d = testing::shared_dir() / "fixtures/hf/albert-tiny";
  run_golden({d, d / "cls", d / "mlm"});
}

class ExtraGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(ExtraGolden, MatchesTransformers) {
  const fs::path d = testing::source_dir() / "tests/data/hf" / GetParam();
  const fs::path mlm = fs::exists(d / "mlm") ? d / "mlm" : fs::path();
  run_golden({d, d, mlm});
}

INSTANTIATE_TEST_SUITE_P(Configs, ExtraGolden,
                         ::testing::Values("albert-groups", "albert-relu", "albert-silu-reg", "albert-gelu-mlm"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Golden, BatchOfDifferentLengthsEqualsOneByOne) {
  const fs::path d = testing::source_dir() / "tests/data/hf/albert-groups";
  const AlbertConfig cfg = load_albert_config(d / "config.json");
  LoadedWeights weights(d / "model.safetensors", cfg);
  AlbertModel model(cfg, weights.weights());
  std::vector<Sequence> batch = {{{2, 40, 41, 3}, {0, 0, 0, 0}, {}},
                                 {{2, 7, 3}, {0, 0, 0}, {}},
                                 {{2, 100, 200, 300, 400, 3, 50, 3}, {0, 0, 0, 0, 0, 0, 1, 1}, {}}};
  const auto together = model.forward(batch);
  for (size_t b = 0; b < batch.size(); ++b) {
    const auto alone = model.forward(std::span(&batch[b], 1));
    const size_t C = static_cast<size_t>(cfg.num_labels);
    expect_matches(std::span(together.logits).subspan(b * C, C), alone.logits, "logits of sequence " + std::to_string(b));
  }
}

}  // namespace
}  // namespace edgemt
