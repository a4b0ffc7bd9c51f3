// Pretraining end to end on a tiny config: the loss falls, resume is exact, bad inputs are named
// errors, and the CLI runs tokenize → pretrain → a directory the engine loads.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"
#include "train/torch/model_io.h"
#include "train/torch/pretrain.h"
#include "train/train_fixtures.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

constexpr int kVocab = 64;

// Shard + config.json of the tiny model under `dir`; options for a short CPU run.
train::PretrainOptions tiny_run(const fs::path& dir, int64_t steps) {
  train::write_shard(dir / "shard.bin", testing::topic_shard(kVocab, 200, 17));
  const auto json = train::albert_config_json(testing::tiny_config(kVocab), {"AlbertForPreTraining"}).dump();
  testing::write_text(dir / "config.json", json);
  train::PretrainOptions o;
  o.model_config = dir / "config.json";
  o.shard = dir / "shard.bin";
  o.out = dir / "out";
  o.steps = steps;
  o.batch = 16;
  o.seq = 32;
  o.lr = 3e-3;
  o.warmup = steps / 10;
  o.checkpoint_every_min = 0;
  o.log_every = 25;
  o.seed = 3;
  return o;
}

std::string error_of(const train::PretrainOptions& o) {
  try {
    train::pretrain(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Pretrain, MaskedLmLossFallsFarBelowUniform) {
  const fs::path dir = testing::temp_dir("pretrain-loss");
  const auto result = train::pretrain(tiny_run(dir, 300));
  ASSERT_EQ(result.steps_done, 300);
  ASSERT_EQ(result.log.size(), 12u);
  const double uniform = std::log(double(kVocab));
  const auto& first = result.log.front();
  const auto& last = result.log.back();
  // A model that ignores the context can do no better than the pieces' unigram entropy; the topic
  // of the other pieces allows ln 5 ≈ 0.39 ln V and an accuracy up to about 1/5.
  const train::Shard shard = train::read_shard(dir / "shard.bin");
  std::vector<double> count(kVocab, 0.0);
  for (int32_t id : shard.ids) count[static_cast<size_t>(id)] += 1;
  double unigram = 0;
  for (double c : count)
    if (c > 0) unigram -= c / double(shard.ids.size()) * std::log(c / double(shard.ids.size()));
  EXPECT_GT(first.mlm_loss, 0.9 * uniform);
  EXPECT_LT(last.mlm_loss, 0.7 * uniform) << "first " << first.mlm_loss << ", last " << last.mlm_loss;
  EXPECT_LT(last.mlm_loss, 0.8 * unigram) << "unigram entropy " << unigram;
  EXPECT_GT(last.mlm_accuracy, 0.12);  // chance is 1/59
  EXPECT_GT(last.tokens_per_s, 0.0);
  EXPECT_NEAR(last.lr, 3e-3 / 270, 1e-9);  // linear decay: lr at step 299 of 300, warm-up 30
  EXPECT_TRUE(fs::exists(dir / "out/model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "out/config.json"));
}

class Resume : public ::testing::TestWithParam<const char*> {};

TEST_P(Resume, CheckpointThenResumeEqualsAnUninterruptedRun) {
  const fs::path dir = testing::temp_dir(std::string("pretrain-resume-") + GetParam());
  auto o = tiny_run(dir, 16);
  o.optim.kind = GetParam();
  o.batch = 4;
  o.log_every = 4;
  o.out = dir / "straight";
  train::pretrain(o);

  o.out = dir / "interrupted";
  o.stop_after = 7;
  const auto first = train::pretrain(o);
  EXPECT_EQ(first.steps_done, 7);
  // A stopped run leaves a loadable model of where it got to, beside the checkpoint.
  const auto mid = testing::slurp(o.out / "model.safetensors");
  ASSERT_FALSE(mid.empty());
  o.stop_after = 0;
  o.resume = true;
  const auto second = train::pretrain(o);
  EXPECT_EQ(second.steps_done, 16);

  const auto a = testing::slurp(dir / "straight/model.safetensors");
  const auto b = testing::slurp(dir / "interrupted/model.safetensors");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "parameters differ after resume";
  EXPECT_FALSE(mid == b) << "the model written at step 7 should differ from the final one";
}

INSTANTIATE_TEST_SUITE_P(Optimizers, Resume, ::testing::Values("adamw", "lamb"));

TEST(Pretrain, TimeLimitStopsWithACheckpointThatResumes) {
  const fs::path dir = testing::temp_dir("pretrain-time-limit");
  auto o = tiny_run(dir, 50);
  o.out = dir / "run";
  o.time_limit_min = 1e-9;  // already over after the first step
  const auto first = train::pretrain(o);
  EXPECT_EQ(first.steps_done, 1);
  EXPECT_TRUE(fs::exists(o.out / "checkpoint.pt"));
  EXPECT_TRUE(fs::exists(o.out / "model.safetensors"));
  o.time_limit_min = 0;
  o.resume = true;
  o.stop_after = 3;
  EXPECT_EQ(train::pretrain(o).steps_done, 3);
}

TEST(Pretrain, BadInputsAreNamedErrors) {
  const fs::path dir = testing::temp_dir("pretrain-bad");
  auto o = tiny_run(dir, 2);

  auto missing = o;
  missing.shard = dir / "nope.bin";
  EXPECT_NE(error_of(missing).find("nope.bin: cannot open shard"), std::string::npos);

  testing::write_text(dir / "corrupt.bin", "EMTSHARD\x01\x00\x00\x00garbage");
  auto corrupt = o;
  corrupt.shard = dir / "corrupt.bin";
  EXPECT_NE(error_of(corrupt).find("corrupt.bin: "), std::string::npos);

  testing::write_text(dir / "heads.json", R"({"vocab_size": 64, "hidden_size": 30, "num_attention_heads": 4})");
  auto heads = o;
  heads.model_config = dir / "heads.json";
  EXPECT_NE(error_of(heads).find("heads.json: field 'hidden_size' 30 is not a multiple of num_attention_heads 4"),
            std::string::npos)
      << error_of(heads);

  testing::write_text(dir / "vocab.json", R"({"vocab_size": 100, "hidden_size": 32, "num_attention_heads": 2})");
  auto vocab = o;
  vocab.model_config = dir / "vocab.json";
  EXPECT_NE(error_of(vocab).find("vocab_size 100 differs from the shard's 64"), std::string::npos) << error_of(vocab);

  auto too_long = o;
  too_long.seq = 65;
  EXPECT_NE(error_of(too_long).find("--seq 65 exceeds max_position_embeddings 64"), std::string::npos);

  auto no_ckpt = o;
  no_ckpt.resume = true;
  no_ckpt.out = dir / "empty-out";
  EXPECT_NE(error_of(no_ckpt).find("cannot open checkpoint"), std::string::npos);

  train::pretrain(o);  // a good run leaves out/checkpoint.pt
  auto bytes = testing::slurp(o.out / "checkpoint.pt");
  testing::write_text(o.out / "checkpoint.pt", bytes.substr(0, bytes.size() / 2));
  auto truncated = o;
  truncated.resume = true;
  EXPECT_NE(error_of(truncated).find("checkpoint.pt: corrupt or truncated checkpoint"), std::string::npos)
      << error_of(truncated);

  testing::write_text(o.out / "checkpoint.pt", bytes);
  auto other = o;
  other.resume = true;
  other.batch = 8;
  EXPECT_NE(error_of(other).find("checkpoint was made with other options"), std::string::npos);
}

TEST(TrainCli, TokenizePretrainAndTheEngineLoadsTheResult) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path dir = testing::temp_dir("train-cli");
  const fs::path spiece = testing::shared_dir() / "fixtures/tools/spiece_tiny.model";
  std::string corpus;
  for (int d = 0; d < 6; ++d)
    corpus += "The film was good and the actors were fine.\nI would see it again with friends.\nIt ran long.\n\n";
  testing::write_text(dir / "corpus.txt", corpus);
  auto r = testing::run({"train", "tokenize", "--corpus", (dir / "corpus.txt").string(), "--spiece", spiece.string(),
                         "--out", (dir / "shard.bin").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("6 documents, 18 sentences"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("tokenize: "), std::string::npos);

  auto cfg = testing::tiny_config(3000);
  testing::write_text(dir / "config.json", train::albert_config_json(cfg, {}).dump());
  r = testing::run({"train",          "pretrain",
                    "--model-config", (dir / "config.json").string(),
                    "--shard",        (dir / "shard.bin").string(),
                    "--out",          (dir / "model").string(),
                    "--spiece",       spiece.string(),
                    "--steps",        "3",
                    "--batch",        "2",
                    "--seq",          "16",
                    "--warmup",       "1",
                    "--log-every",    "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("step 3/3  mlm "), std::string::npos) << r.err;
  r = testing::run({"info", "--model", (dir / "model").string()});
  EXPECT_EQ(r.status, 0) << r.err;

  r = testing::run({"train", "pretrain", "--shard", (dir / "shard.bin").string()});
  EXPECT_EQ(r.status, 2);  // --out missing: usage error
}

}  // namespace
}  // namespace edgemt
