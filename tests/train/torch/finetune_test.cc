// Fine-tuning (adapter and full) on CPU with the bundled tiny model as the backbone: it learns a
// synthetic task, trains only what its mode says, and what it writes loads in the engine with the
// same logits as libtorch (max |Δ| ≤ 1e-4 · max |ref|).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/tensor_access.h"
#include "support/paths.h"
#include "support/run_cli.h"
#include "train/task_data.h"
#include "train/torch/finetune.h"
#include "train/torch/model_io.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

fs::path tiny_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }

// Label 1: every piece between [CLS] and [SEP] is 777; label 0: random pieces (never 777).
// [CLS]=2, [SEP]=3 as in ALBERT's SentencePiece vocabularies.
train::TaskSplit synthetic_split(const std::string& name, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  train::TaskSplit s{.name = name, .ids = {}, .offsets = {0}, .segment_a = {}, .labels = {}};
  for (int i = 0; i < n; ++i) {
    const int len = 4 + static_cast<int>(rng() % 10);
    const bool positive = rng() % 2 == 0;
    s.ids.push_back(2);
    for (int t = 1; t < len - 1; ++t) {
      int32_t id = 10 + static_cast<int32_t>(rng() % 3900);
      if (positive) id = 777;
      if (!positive && id == 777) id = 778;
      s.ids.push_back(id);
    }
    s.ids.push_back(3);
    s.offsets.push_back(static_cast<int64_t>(s.ids.size()));
    s.segment_a.push_back(len);
    s.labels.push_back(positive ? 1.0f : 0.0f);
  }
  return s;
}

fs::path write_synthetic(const fs::path& dir, const std::string& glue_task = "sst2", int vocab = 4000) {
  train::TaskData d;
  d.glue_task = glue_task;
  d.labels = glue_task == "mnli" ? std::vector<std::string>{"entailment", "neutral", "contradiction"}
                                 : std::vector<std::string>{"negative", "positive"};
  d.max_length = 16;
  d.vocab_size = vocab;
  d.pad_id = 0;
  d.splits = {synthetic_split("train", 256, 1), synthetic_split("dev", 64, 2)};
  if (glue_task == "mnli")
    for (auto& s : d.splits)
      for (auto& l : s.labels) l = 2;
  const fs::path p = dir / ("data-" + glue_task + ".safetensors");
  train::write_task_data(p, d);
  return p;
}

// The engine's view of one text through `edgemt dump`: token ids and logits.
struct Dump {
  std::vector<int64_t> ids, types;
  std::vector<float> logits;
};

Dump engine_dump(const fs::path& model, const std::string& task, const fs::path& out) {
  std::vector<std::string> args = {"dump", "--model", model.string(), "--out", out.string()};
  if (!task.empty()) args.insert(args.end(), {"--task", task});
  args.push_back("the film is a quiet triumph");
  const auto r = testing::run(args);
  EXPECT_EQ(r.status, 0) << r.err;
  SafetensorsFile f(out);
  Dump d;
  auto i64 = [&](const char* name) {
    const TensorInfo* t = f.find(name);
    const auto* p = reinterpret_cast<const int64_t*>(f.data(*t).data());
    return std::vector<int64_t>(p, p + t->shape[0]);
  };
  d.ids = i64("input_ids");
  d.types = i64("token_type_ids");
  std::vector<std::unique_ptr<float[]>> owned;
  const TensorInfo* t = f.find("logits");
  const float* l = f32_tensor(f, "logits", t->shape, owned);
  d.logits.assign(l, l + t->shape[0]);
  return d;
}

void copy_tensor(torch::Tensor dst, const SafetensorsFile& f, const std::string& name) {
  std::vector<std::unique_ptr<float[]>> owned;
  const float* p = f32_tensor(f, name, dst.sizes().vec(), owned);
  torch::NoGradGuard no_grad;
  dst.copy_(torch::from_blob(const_cast<float*>(p), dst.sizes(), torch::kFloat));
}

void expect_close(const std::vector<float>& got, const torch::Tensor& ref) {
  ASSERT_EQ(got.size(), static_cast<size_t>(ref.numel()));
  const auto r = ref.contiguous();
  const float* p = r.data_ptr<float>();
  float scale = 0, diff = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    scale = std::max(scale, std::abs(p[i]));
    diff = std::max(diff, std::abs(p[i] - got[i]));
  }
  EXPECT_LE(diff, 1e-4f * scale) << "max |engine - torch| " << diff << " vs max |ref| " << scale;
}

TEST(Finetune, AdapterModeLearnsTrainsOnlyAdaptersAndTheEngineAgrees) {
  const fs::path dir = testing::temp_dir("finetune-adapter");
  const fs::path model = dir / "model";
  fs::create_directories(model / "tasks");
  for (const char* f : {"config.json", "model.safetensors", "spiece.model", "tokenizer_config.json"})
    fs::copy_file(tiny_model() / f, model / f);
  train::FinetuneOptions o;
  o.init = model;
  o.data = write_synthetic(dir);
  o.out = model / "tasks/syn";
  o.adapter = {.size = 8, .activation = Activation::Gelu, .share_across_layers = false};
  o.epochs = 3;
  o.batch = 16;
  o.lr = 2e-3;
  o.log_every = 0;
  const auto r = train::finetune(o, {}, [](const train::EpochRecord& e) {
    std::printf("epoch %d: train loss %.4f, dev accuracy %.4f\n", e.epoch, e.train_loss, e.dev.at("accuracy"));
  });

  // Learns the rule (chance is 0.5) and the loss falls.
  ASSERT_EQ(r.epochs.size(), 3u);
  EXPECT_GT(r.best, 0.9);
  EXPECT_LT(r.epochs.back().train_loss, 0.5 * r.epochs.front().train_loss);
  // Trainable = stored = L sets · (2·(2·H·m + H + m) + 4H) + pooler H·H + H + classifier 2·H + 2.
  const AlbertConfig c = load_albert_config(model / "config.json");
  const int64_t H = c.hidden_size, m = 8, L = c.num_hidden_layers;
  const int64_t expected = L * (2 * (2 * H * m + H + m) + 4 * H) + H * H + H + 2 * H + 2;
  EXPECT_EQ(r.trainable_params, expected);
  EXPECT_EQ(r.stored_params, expected);
  EXPECT_EQ(r.stored_bytes, fs::file_size(o.out / "task.safetensors"));
  // The backbone file is untouched (frozen; nothing writes it).
  EXPECT_EQ(testing::slurp(model / "model.safetensors"), testing::slurp(tiny_model() / "model.safetensors"));

  // libtorch, from the files: backbone + the pack's adapters and head.
  const Dump d = engine_dump(model, "syn", dir / "dump.safetensors");
  auto torch_model = train::load_model_dir(model);
  torch_model->eval();
  train::TaskAdapters adapters(c, o.adapter);
  SafetensorsFile pack(o.out / "task.safetensors");
  for (auto& item : adapters->named_parameters()) copy_tensor(item.value(), pack, item.key());
  torch::nn::Linear pooler(H, H), classifier(H, 2);
  copy_tensor(pooler->weight, pack, "pooler.weight");
  copy_tensor(pooler->bias, pack, "pooler.bias");
  copy_tensor(classifier->weight, pack, "classifier.weight");
  copy_tensor(classifier->bias, pack, "classifier.bias");
  torch::NoGradGuard no_grad;
  const auto T = static_cast<int64_t>(d.ids.size());
  const auto ids = torch::tensor(d.ids).view({1, T}), types = torch::tensor(d.types).view({1, T});
  const auto out = torch_model->albert->forward(ids, types, torch::ones({1, T}, torch::kLong), false, adapters.get());
  const auto logits = classifier(torch::tanh(pooler(out.last_hidden.select(1, 0)))).view({-1});
  expect_close(d.logits, logits);

  // Without the adapters the logits differ: the engine did apply them.
  const auto plain = torch_model->albert->forward(ids, types, torch::ones({1, T}, torch::kLong));
  const auto plain_logits = classifier(torch::tanh(pooler(plain.last_hidden.select(1, 0)))).view({-1});
  EXPECT_GT((plain_logits - logits).abs().max().item<float>(), 1e-3f);
}

TEST(Finetune, RegressionTrainsOnAClassifierBackboneInAdapterMode) {
  // STS-B style: one output, MSE loss, Pearson on dev. The backbone's own 2-label classifier is not
  // used in adapter mode, so it does not conflict with the task's single output.
  const fs::path dir = testing::temp_dir("finetune-regression");
  train::TaskData d;
  d.glue_task = "stsb";
  d.regression = true;
  d.max_length = 16;
  d.vocab_size = 4000;
  d.splits = {synthetic_split("train", 256, 3), synthetic_split("dev", 64, 4)};
  for (auto& s : d.splits)
    for (auto& l : s.labels) l *= 5.0f;  // 0 or 5
  train::write_task_data(dir / "stsb.safetensors", d);
  train::FinetuneOptions o;
  o.init = tiny_model();
  o.data = dir / "stsb.safetensors";
  o.out = dir / "pack";
  o.adapter.size = 8;
  o.epochs = 3;
  o.batch = 16;
  o.lr = 2e-3;
  o.log_every = 0;
  const auto r = train::finetune(o);
  EXPECT_EQ(r.metric, "pearson");
  // Untrained, Pearson on 64 dev pairs is 0 ± 0.13 (1 s.d.); three short epochs reach about 0.8.
  EXPECT_GT(r.best, 0.5);
  EXPECT_LT(r.epochs.back().train_loss, r.epochs.front().train_loss);
  const std::string task = testing::slurp(o.out / "task.json");
  EXPECT_NE(task.find("\"problem_type\": \"regression\""), std::string::npos) << task;
}

TEST(Finetune, FullModeWritesAClassifierTheEngineLoads) {
  const fs::path dir = testing::temp_dir("finetune-full");
  train::FinetuneOptions o;
  o.init = tiny_model();
  o.data = write_synthetic(dir);
  o.out = dir / "full";
  o.mode = "full";
  o.epochs = 2;
  o.batch = 16;
  o.lr = 1e-4;
  o.log_every = 0;
  const auto r = train::finetune(o);
  EXPECT_EQ(r.epochs.size(), 2u);
  EXPECT_GT(r.trainable_params, 800000);  // the whole backbone + head

  const Dump d = engine_dump(o.out, "", dir / "dump.safetensors");
  auto m = train::load_model_dir(o.out);
  m->eval();
  SafetensorsFile f(o.out / "model.safetensors");
  const int64_t H = m->albert->config.hidden_size;
  torch::nn::Linear classifier(H, 2);
  copy_tensor(classifier->weight, f, "classifier.weight");
  copy_tensor(classifier->bias, f, "classifier.bias");
  torch::NoGradGuard no_grad;
  const auto T = static_cast<int64_t>(d.ids.size());
  const auto out = m->albert->forward(torch::tensor(d.ids).view({1, T}), torch::tensor(d.types).view({1, T}),
                                      torch::ones({1, T}, torch::kLong));
  expect_close(d.logits, classifier(out.pooled).view({-1}));
  const std::string cfg = testing::slurp(o.out / "config.json");
  EXPECT_NE(cfg.find("\"finetuning_task\": \"sst2\""), std::string::npos);
  EXPECT_NE(cfg.find("AlbertForSequenceClassification"), std::string::npos);
}

TEST(Finetune, TimeLimitStopsAtAnEpochBoundaryAndWritesTheBestEpoch) {
  // A limit far below one epoch's time: the first epoch always completes (a run never ends
  // with nothing), then the run stops instead of starting a second, and the output is written.
  const fs::path dir = testing::temp_dir("finetune-time-limit");
  train::FinetuneOptions o;
  o.init = tiny_model();
  o.data = write_synthetic(dir);
  o.out = dir / "pack";
  o.adapter.size = 4;
  o.epochs = 5;
  o.batch = 16;
  o.log_every = 0;
  o.time_limit_min = 1e-6;
  const auto r = train::finetune(o);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.epochs.size(), 1u);
  EXPECT_EQ(r.best_epoch, 1);
  EXPECT_TRUE(fs::exists(o.out / "task.safetensors"));

  o.time_limit_min = 0;  // none: every epoch runs
  o.epochs = 2;
  o.out = dir / "pack2";
  const auto full = train::finetune(o);
  EXPECT_FALSE(full.stopped_early);
  EXPECT_EQ(full.epochs.size(), 2u);
}

TEST(Finetune, MismatchesAreNamedErrors) {
  const fs::path dir = testing::temp_dir("finetune-bad");
  train::FinetuneOptions o;
  o.init = tiny_model();
  o.out = dir / "out";
  o.epochs = 1;
  o.log_every = 0;
  auto expect_error = [&](const train::FinetuneOptions& opts, const std::string& needle) {
    try {
      train::finetune(opts);
      ADD_FAILURE() << "no error; expected one mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  auto vocab = o;
  fs::create_directories(dir / "v");
  vocab.data = write_synthetic(dir / "v", "sst2", 30000);
  expect_error(vocab, "vocab_size");
  // The bundled model is an SST-2 classifier (2 labels): a 3-label task cannot continue from it.
  auto labels = o;
  labels.mode = "full";
  labels.data = write_synthetic(dir, "mnli");
  expect_error(labels, "classifier has 2 labels");
  auto mode = o;
  mode.data = write_synthetic(dir);
  mode.mode = "partial";
  expect_error(mode, "--mode");
  auto missing = o;
  missing.data = dir / "absent.safetensors";
  expect_error(missing, "absent.safetensors");
  auto corrupt = o;
  corrupt.data = dir / "corrupt.safetensors";
  {
    std::ofstream(corrupt.data) << "not a task file";
  }
  expect_error(corrupt, "corrupt.safetensors");
}

TEST(FinetuneCli, EncodesTheGlueTaskRunsTheTrainerAndReportsErrors) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path dir = testing::temp_dir("finetune-cli");
  const fs::path out = dir / "pack";
  auto r = testing::run({"train", "finetune", "--model", tiny_model().string(), "--glue-task", "sst2", "--glue",
                         (testing::shared_dir() / "glue").string(), "--limit", "48", "--max-length", "32", "--out",
                         out.string(), "--epochs", "1", "--adapter-size", "4", "--log-every", "0"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("sst2 encoded: train 48, dev 48"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("best epoch 1"), std::string::npos) << r.out;
  const std::string task = testing::slurp(out / "task.json");
  EXPECT_NE(task.find("\"max_length\": 32"), std::string::npos) << task;
  EXPECT_NE(task.find("\"size\": 4"), std::string::npos) << task;
  EXPECT_NE(testing::slurp(out / "finetune.json").find("\"best_epoch\": 1"), std::string::npos);

  r = testing::run({"train", "finetune", "--model", tiny_model().string(), "--glue-task", "sst3", "--out", out.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unknown GLUE task 'sst3'"), std::string::npos) << r.err;
  r = testing::run({"train", "finetune", "--model", tiny_model().string(), "--glue-task", "sst2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--out is required"), std::string::npos) << r.err;
  r = testing::run({"train", "finetune", "--model", tiny_model().string(), "--glue-task", "sst2", "--out",
                    out.string(), "--limit", "8", "--epochs", "zero"});
  EXPECT_EQ(r.status, 2) << r.err;  // the trainer's own usage error
}

}  // namespace
}  // namespace edgemt
