// Pruning for training: the cubic schedule, magnitude pruning's exact count and tie order, movement
// pruning's Top-K masks and straight-through gradient, and backbone pruning during masked-LM
// training, whose baked zeros the engine loads.
#include <gtest/gtest.h>

#include "formats/safetensors.h"
#include "formats/tensor_access.h"
#include "support/paths.h"
#include "support/run_cli.h"
#include "train/torch/model_io.h"
#include "train/torch/pretrain.h"
#include "train/torch/pruning_torch.h"
#include "train/train_fixtures.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

TEST(Pruning, CubicScheduleRunsFromOneToTheFinalKeep) {
  const train::CubicSchedule s{.final_keep = 0.4, .total = 100, .warmup = 10, .cooldown = 20};
  EXPECT_EQ(s.keep(0), 1.0);
  EXPECT_EQ(s.keep(9), 1.0);
  EXPECT_DOUBLE_EQ(s.keep(10), 1.0);  // (1 − 0)³
  EXPECT_NEAR(s.keep(45), 0.4 + 0.6 * 0.125, 1e-12);  // halfway: (1/2)³
  EXPECT_DOUBLE_EQ(s.keep(80), 0.4);
  EXPECT_DOUBLE_EQ(s.keep(99), 0.4);
  for (int t = 11; t < 100; ++t) EXPECT_LE(s.keep(t), s.keep(t - 1));
}

TEST(Pruning, MagnitudePrunesExactlyTheFloorOfTheSmallestLowerIndexFirst) {
  auto w = torch::tensor({0.5f, -0.1f, 0.1f, 2.0f, -0.1f, 3.0f, 0.2f, 0.05f, -4.0f, 1.0f});
  // ⌊0.35 · 10⌋ = 3: 0.05, then the first two of the three |0.1| ties (indices 1 and 2).
  EXPECT_EQ(train::magnitude_prune_(w, 0.35), 3);
  const auto expected = torch::tensor({0.5f, 0.0f, 0.0f, 2.0f, -0.1f, 3.0f, 0.2f, 0.0f, -4.0f, 1.0f});
  EXPECT_TRUE(torch::equal(w, expected)) << w;
  auto big = torch::randn({37, 29});
  train::magnitude_prune_(big, 0.6);
  EXPECT_EQ((big == 0).sum().item<int64_t>(), 643);  // ⌊0.6 · 1073⌋
}

TEST(Pruning, MovementMasksKeepTheTopScoresAndPassGradientsStraightThrough) {
  torch::manual_seed(3);
  torch::nn::Linear lin(8, 6);
  train::MovementPruner p({{"w", lin}}, {.sparsity = 0.5, .score_init = "magnitude"},
                          {.final_keep = 0.5, .total = 10, .warmup = 0, .cooldown = 0});
  const auto w = lin->weight.detach().clone();
  p.apply(10);  // past the schedule: the final keep
  const auto eff = lin->weight;
  EXPECT_EQ((eff == 0).sum().item<int64_t>(), 24);
  // Magnitude scores: the kept ones are the 24 largest |w|.
  const auto kept_min = w.abs().masked_select(eff != 0).min().item<float>();
  const auto pruned_max = w.abs().masked_select(eff == 0).max().item<float>();
  EXPECT_GT(kept_min, pruned_max);
  // dL/dS = dL/d(W⊙M) ⊙ W with L = Σ (W⊙M)·g.
  const auto g = torch::randn({6, 8});
  (eff * g).sum().backward();
  const auto scores = p.scores().parameters()[0];
  EXPECT_TRUE(torch::allclose(scores.grad(), g * w, 1e-6, 1e-6));
  // The weight's own gradient is masked.
  const auto wgrad = lin->named_parameters()["weight"].grad();
  EXPECT_TRUE(torch::allclose(wgrad, g * (eff != 0).to(torch::kFloat), 1e-6, 1e-6));
  EXPECT_DOUBLE_EQ(p.bake(), 0.5);
  EXPECT_EQ((lin->weight == 0).sum().item<int64_t>(), 24);
}

TEST(Pruning, MaskedLmPruningBakesExactSparsityAndTheEngineLoadsIt) {
  const fs::path dir = testing::temp_dir("prune-mlm");
  // The bundled tiny ALBERT (V 4000, H 256, 4 layers) so that the engine can tokenise for `dump`.
  train::write_shard(dir / "shard.bin", testing::topic_shard(4000, 120, 5));
  train::PretrainOptions o;
  o.init = testing::source_dir() / "models/albert-tiny-sst2";
  o.shard = dir / "shard.bin";
  o.out = dir / "pruned";
  o.steps = 30;
  o.batch = 8;
  o.seq = 32;
  o.lr = 1e-3;
  o.warmup = 4;
  o.checkpoint_every_min = 0;
  o.log_every = 10;
  o.embed_sparsity = 0.6;
  o.encoder_sparsity = 0.5;
  o.score_init = "constant";
  const auto r = train::pretrain(o);
  EXPECT_EQ(r.steps_done, 30);
  // Every pruned matrix has exactly ⌊s·n⌋ zeros (at least: a kept weight may itself be 0.0).
  SafetensorsFile f(o.out / "model.safetensors");
  auto zeros = [&](const std::string& name) {
    const TensorInfo* t = f.find(name);
    EXPECT_NE(t, nullptr) << name;
    std::vector<std::unique_ptr<float[]>> owned;
    const float* p = f32_tensor(f, name, t->shape, owned);
    int64_t n = 1, z = 0;
    for (auto d : t->shape) n *= d;
    for (int64_t i = 0; i < n; ++i) z += p[i] == 0.0f;
    return std::make_pair(z, n);
  };
  for (const char* e : {"albert.embeddings.word_embeddings.weight", "albert.embeddings.position_embeddings.weight"}) {
    const auto [z, n] = zeros(e);
    EXPECT_EQ(z, train::pruned_count(n, 0.6)) << e;
  }
  for (const char* m : {"query", "key", "value", "dense"}) {
    const auto [z, n] = zeros(std::string("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.") + m + ".weight");
    EXPECT_EQ(z, n / 2) << m;
  }
  const auto [z, n] = zeros("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight");
  EXPECT_EQ(z, n / 2);
  EXPECT_NEAR(r.encoder_zero_fraction, 0.5, 1e-9);
  // The engine loads the baked model and runs it.
  const auto run = testing::run({"dump", "--model", o.out.string(), "--out", (dir / "dump.safetensors").string(),
                                 "a quiet triumph"});
  EXPECT_EQ(run.status, 0) << run.err;
}

}  // namespace
}  // namespace edgemt
