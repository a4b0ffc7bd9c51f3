// The libtorch ALBERT against Hugging Face (the repo's golden fixtures) and against the engine on
// exported directories: trainer and engine must agree (max |Δ| ≤ 1e-4 · max |ref|).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/safetensors.h"
#include "model/albert.h"
#include "model/weights.h"
#include "support/files.h"
#include "support/golden.h"
#include "support/paths.h"
#include "support/run_cli.h"
#include "train/torch/model_io.h"
#include "train/train_fixtures.h"

namespace edgemt {
namespace {

using testing::expect_matches;
using testing::tensor_f32;

namespace fs = std::filesystem;
using train::AlbertForPreTraining;

std::vector<float> values(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

torch::Tensor row(const std::vector<int64_t>& v) { return torch::tensor(v).unsqueeze(0); }  // [1, T]

// Each golden case through the torch module one by one: hidden states, pooled, MLM logits.
void run_hf_golden(const fs::path& fixture, const fs::path& model_dir, bool mlm) {
  AlbertConfig cfg;
  train::ImportReport report;
  AlbertForPreTraining model = train::load_model_dir(model_dir, &cfg, &report);
  model->eval();
  torch::NoGradGuard no_grad;
  std::ifstream in(fixture / "reference.json");
  const auto ref = nlohmann::json::parse(in);
  SafetensorsFile tensors(fixture / "reference.safetensors");
  size_t k = 0;
  for (const auto& c : ref["cases"]) {
    const std::string p = "case" + std::to_string(k++) + ".";
    const auto ids = row(c["input_ids"].get<std::vector<int64_t>>()),
               types = row(c["token_type_ids"].get<std::vector<int64_t>>());
    const auto out = model->forward(ids, types, torch::ones_like(ids), /*keep_hidden_states=*/true);
    ASSERT_EQ(out.backbone.hidden_states.size(), static_cast<size_t>(cfg.total_layers() + 1));
    if (mlm) {  // the fixture's hidden states are the classifier checkpoint's, whose embeddings differ
      expect_matches(values(out.mlm_logits), tensor_f32(tensors, p + "mlm_logits"), p + "mlm_logits");
      continue;
    }
    for (size_t l = 0; l < out.backbone.hidden_states.size(); ++l)
      expect_matches(values(out.backbone.hidden_states[l]), tensor_f32(tensors, p + "hidden." + std::to_string(l)),
                     p + "hidden." + std::to_string(l));
    expect_matches(values(out.backbone.pooled), tensor_f32(tensors, p + "pooled"), p + "pooled");
  }
  EXPECT_GT(k, 5u);
}

TEST(AlbertTorch, MatchesTransformersWithGroupsAndInnerLayers) {
  const fs::path d = testing::source_dir() / "tests/data/hf/albert-groups";  // 6 layers, 3 groups × 2, gelu
  run_hf_golden(d, d, /*mlm=*/false);
}

TEST(AlbertTorch, MatchesTransformersMaskedLm) {
  const fs::path d = testing::source_dir() / "tests/data/hf/albert-gelu-mlm";  // gelu_new, eps 1e-5, 2 groups
  run_hf_golden(d, d, /*mlm=*/false);
  run_hf_golden(d, d / "mlm", /*mlm=*/true);
}

TEST(AlbertTorch, ParameterNamesAreHfNames) {
  AlbertConfig c = testing::tiny_config(50);
  c.num_hidden_groups = 2;
  c.inner_group_num = 2;
  AlbertForPreTraining m(c);
  std::vector<std::string> names;
  for (const auto& item : m->named_parameters()) names.push_back(item.key());
  for (const char* want : {"albert.embeddings.word_embeddings.weight", "albert.embeddings.LayerNorm.bias",
                           "albert.encoder.embedding_hidden_mapping_in.weight",
                           "albert.encoder.albert_layer_groups.1.albert_layers.1.attention.query.weight",
                           "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.weight",
                           "albert.encoder.albert_layer_groups.0.albert_layers.1.full_layer_layer_norm.bias",
                           "albert.encoder.albert_layer_groups.1.albert_layers.0.ffn_output.weight",
                           "albert.pooler.weight", "predictions.bias", "predictions.dense.weight",
                           "predictions.LayerNorm.weight", "sop_classifier.classifier.weight"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  // 5 embedding + 2 projection + 2 groups × 2 layers × 16 + 2 pooler + 5 MLM + 2 SOP tensors.
  EXPECT_EQ(names.size(), 5u + 2 + 64 + 2 + 5 + 2);
}

// A random model with non-trivial LayerNorms and biases, so a mixed-up tensor cannot go unnoticed.
AlbertForPreTraining random_model(const AlbertConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  AlbertForPreTraining m(c, /*initializer_range=*/0.2);
  torch::NoGradGuard no_grad;
  for (auto& item : m->named_parameters())
    if (!item.key().ends_with(".weight") || item.key().find("LayerNorm") != std::string::npos ||
        item.key().find("layer_norm") != std::string::npos)
      item.value().add_(torch::randn_like(item.value()) * 0.1);
  return m;
}

void expect_engine_agrees(AlbertForPreTraining& torch_model, const AlbertConfig& c, const fs::path& dir) {
  const AlbertConfig loaded_cfg = load_albert_config(dir / "config.json");
  LoadedWeights weights(dir / "model.safetensors", loaded_cfg);
  // Every tensor is used, except the SOP head, which the engine knows and skips without a warning.
  EXPECT_TRUE(weights.unused().empty());
  AlbertModel engine(loaded_cfg, weights.weights());
  // Three sequences of different lengths: torch runs them padded in one batch, the engine packed.
  const std::vector<std::vector<int32_t>> seqs = {{2, 10, 11, 12, 3}, {2, 40, 3, 41, 42, 43, 44, 3}, {2, 7, 3}};
  const std::vector<std::vector<int32_t>> types = {{0, 0, 0, 0, 0}, {0, 0, 0, 1, 1, 1, 1, 1}, {0, 0, 0}};
  const int64_t B = 3, T = 8;
  auto ids = torch::zeros({B, T}, torch::kLong), tt = torch::zeros({B, T}, torch::kLong),
       mask = torch::zeros({B, T}, torch::kLong);
  std::vector<Sequence> batch;
  for (int64_t b = 0; b < B; ++b) {
    for (size_t t = 0; t < seqs[b].size(); ++t) {
      ids[b][static_cast<int64_t>(t)] = seqs[b][t];
      tt[b][static_cast<int64_t>(t)] = types[b][t];
      mask[b][static_cast<int64_t>(t)] = 1;
    }
    batch.push_back({seqs[b], types[b], {}});
  }
  torch::NoGradGuard no_grad;
  torch_model->eval();
  const auto ref = torch_model->forward(ids, tt, mask, true);
  const auto out = engine.forward(batch, {.keep_hidden_states = true, .mlm = true});
  ASSERT_EQ(out.hidden_states.size(), static_cast<size_t>(c.total_layers() + 1));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = static_cast<int64_t>(seqs[b].size());
    const size_t H = static_cast<size_t>(c.hidden_size), V = static_cast<size_t>(c.vocab_size);
    const size_t first = static_cast<size_t>(out.offsets[static_cast<size_t>(b)]);
    const std::string what = "sequence " + std::to_string(b);
    for (size_t l = 0; l < out.hidden_states.size(); ++l)
      expect_matches(std::span(out.hidden_states[l]).subspan(first * H, n * H),
                     values(ref.backbone.hidden_states[l][b].slice(0, 0, n)), what + " hidden." + std::to_string(l));
    expect_matches(std::span(out.pooled).subspan(static_cast<size_t>(b) * H, H), values(ref.backbone.pooled[b]),
                   what + " pooled");
    expect_matches(std::span(out.mlm_logits).subspan(first * V, n * V), values(ref.mlm_logits[b].slice(0, 0, n)),
                   what + " mlm_logits");
  }
}

TEST(Export, EngineReproducesTheTorchModel) {
  AlbertConfig c = testing::tiny_config(80);
  c.num_hidden_layers = 4;
  c.num_hidden_groups = 2;
  c.inner_group_num = 2;
  c.hidden_act = Activation::GeluNew;
  c.hidden_act_name = "gelu_new";
  c.layer_norm_eps = 1e-5;
  AlbertForPreTraining m = random_model(c, 21);
  const fs::path dir = testing::temp_dir("export-f32");
  train::export_model_dir(m, dir);
  const auto cfg = nlohmann::json::parse(testing::slurp(dir / "config.json"));
  EXPECT_EQ(cfg["architectures"][0], "AlbertForPreTraining");
  EXPECT_EQ(cfg["num_hidden_groups"], 2);
  expect_engine_agrees(m, c, dir);

  // Import gives back the same tensors exactly.
  AlbertForPreTraining back = train::load_model_dir(dir);
  for (const auto& item : m->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), back->named_parameters()[item.key()])) << item.key();
}

TEST(Export, HalfPrecisionDirectoryAgreesWithItsOwnImport) {
  AlbertConfig c = testing::tiny_config(64);
  c.hidden_act = Activation::Gelu;
  c.hidden_act_name = "gelu";
  AlbertForPreTraining m = random_model(c, 5);
  const fs::path dir = testing::temp_dir("export-f16");
  train::export_model_dir(m, dir, {.dtype = DType::F16});
  SafetensorsFile f(dir / "model.safetensors");
  EXPECT_EQ(f.find("albert.pooler.weight")->dtype, DType::F16);
  EXPECT_EQ(f.find("predictions.decoder.weight"), nullptr);   // tied, as HF stores it
  AlbertForPreTraining rounded = train::load_model_dir(dir);  // the fp16 values widened to f32
  expect_engine_agrees(rounded, c, dir);
}

TEST(Import, MissingBackboneTensorOrWrongShapeIsNamed) {
  const fs::path src = testing::source_dir() / "tests/data/hf/albert-gelu-mlm/mlm";
  AlbertConfig c = load_albert_config(src / "config.json");
  // AlbertForMaskedLM has no pooler and no SOP head: those stay initialised and are reported.
  train::ImportReport r;
  train::load_model_dir(src, nullptr, &r);
  EXPECT_EQ(r.initialised,
            (std::vector<std::string>{"albert.pooler.weight", "albert.pooler.bias", "sop_classifier.classifier.weight",
                                      "sop_classifier.classifier.bias"}));
  c.intermediate_size = 100;
  AlbertForPreTraining wrong(c);
  try {
    train::import_weights(wrong, src / "model.safetensors");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ffn.weight' has shape [128, 64], expected [100, 64]"), std::string::npos)
        << e.what();
  }
  c.intermediate_size = 128;
  c.num_hidden_groups = 1;
  c.num_hidden_layers = 1;
  c.inner_group_num = 3;  // group 0 has only one layer on disk
  AlbertForPreTraining more(c);
  try {
    train::import_weights(more, src / "model.safetensors");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing tensor 'albert.encoder.albert_layer_groups.0.albert_layers.1."),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace edgemt
