// The EdgeBERT pipeline on CPU with the bundled tiny ALBERT (4 layers) on a synthetic task: off-ramps
// learn (lower entropy), the threshold is calibrated on held-out training rows, spans shrink under
// their loss, distillation follows the teacher, task pruning bakes exact zeros, and the engine loads
// the pack and computes the same entropies and probabilities as the trainer.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/tensor_access.h"
#include "support/paths.h"
#include "support/run_cli.h"
#include "train/task_data.h"
#include "train/torch/edgebert.h"
#include "train/torch/model_io.h"
#include "train/torch/task_model.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

fs::path tiny_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }

// Label 1: every piece between [CLS] and [SEP] is 777; label 0: random pieces (never 777). Every
// layer's [CLS] can see it, so the ramps can learn it as well as the head.
train::TaskSplit split(const std::string& name, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  train::TaskSplit s{.name = name, .ids = {}, .offsets = {0}, .segment_a = {}, .labels = {}};
  for (int i = 0; i < n; ++i) {
    const int len = 5 + static_cast<int>(rng() % 10);
    const bool positive = rng() % 2 == 0;
    s.ids.push_back(2);
    for (int t = 1; t < len - 1; ++t) {
      int32_t id = 10 + static_cast<int32_t>(rng() % 3900);
      if (id == 777) id = 778;
      if (positive) id = 777;
      s.ids.push_back(id);
    }
    s.ids.push_back(3);
    s.offsets.push_back(static_cast<int64_t>(s.ids.size()));
    s.segment_a.push_back(len);
    s.labels.push_back(positive ? 1.0f : 0.0f);
  }
  return s;
}

fs::path write_task(const fs::path& dir) {
  train::TaskData d;
  d.glue_task = "sst2";
  d.labels = {"negative", "positive"};
  d.max_length = 16;
  d.vocab_size = 4000;
  d.pad_id = 0;
  d.splits = {split("train", 320, 1), split("dev", 64, 2)};
  train::write_task_data(dir / "syn.safetensors", d);
  return dir / "syn.safetensors";
}

fs::path model_with_tasks(const fs::path& dir) {
  const fs::path model = dir / "model";
  fs::create_directories(model / "tasks");
  for (const char* f : {"config.json", "model.safetensors", "spiece.model", "tokenizer_config.json"})
    fs::copy_file(tiny_model() / f, model / f);
  return model;
}

train::EdgebertOptions base_options(const fs::path& model, const fs::path& data, const std::string& name) {
  train::EdgebertOptions o;
  o.init = model;
  o.data = data;
  o.out = model / "tasks" / name;
  o.adapter.size = 8;
  o.epochs = 3;
  o.batch = 16;
  o.lr = 2e-3;
  o.calib_fraction = 0.2;
  o.ramp_epochs = 8;
  o.ramp_batch = 16;
  o.ramp_lr = 5e-3;
  o.predictor_bins = 10;
  o.log_every = 0;
  o.sweep_points = 20;
  return o;
}

TEST(Edgebert, RampsSpansCalibrationAndTheEnginesEntropiesAgree) {
  const fs::path dir = testing::temp_dir("edgebert");
  const fs::path model = model_with_tasks(dir);
  auto o = base_options(model, write_task(dir), "syn");
  o.span_ramp = 4;
  o.span_lambda = 0.01;
  o.span_lr = 0.02;
  o.compare_offramps = true;
  const json r = train::run_edgebert(o);

  EXPECT_GT(r["dev_head"]["accuracy"].get<double>(), 0.85) << r["dev_head"];
  EXPECT_EQ(r["calib_examples"].get<int>(), 64);
  EXPECT_EQ(r["train_examples"].get<int>(), 256);
  // Stage 2 taught the ramps: on the held-out calibration rows the deepest ramp is more confident
  // than an untrained one (which sits at ln 2 ≈ 0.69) and mostly right.
  for (const char* kind : {"light", "full"}) {
    const auto& layers = r["offramps"][kind]["calib"]["layers"];
    ASSERT_EQ(layers.size(), 4u);
    EXPECT_LT(layers[2]["entropy_mean"].get<double>(), 0.5) << kind << layers[2];
    EXPECT_GT(layers[2]["metric"].get<double>(), 0.8) << kind;
  }
  // Calibrated threshold: positive, at most ln 2, and its calibration drop within 1 point.
  const double t = r["threshold"].get<double>();
  const auto& cal = r["offramps"]["light"]["calib"];
  EXPECT_GE(cal["metric"].get<double>(), cal["full_metric"].get<double>() - 0.01 - 1e-12);
  EXPECT_LE(t, std::log(2.0));
  EXPECT_GT(t, 0.0) << cal;
  EXPECT_LT(cal["mean_exit_layer"].get<double>(), 4.0);
  // The span loss shrank the spans from the full 16 tokens.
  EXPECT_LT(r["spans"]["mean_z"].get<double>(), 12.0) << r["spans"];

  // The pack in the engine's format.
  std::ifstream in(o.out / "task.json");
  const json task = json::parse(in);
  EXPECT_EQ(task["early_exit"]["offramp"], "light");
  EXPECT_EQ(task["early_exit"]["layers"], json({1, 2, 3}));
  EXPECT_FLOAT_EQ(task["early_exit"]["threshold"].get<float>(), static_cast<float>(t));
  EXPECT_EQ(task["predictor"]["bins"], 10);
  ASSERT_EQ(task["predictor"]["entropy"].size(), 10u);
  EXPECT_EQ(task["predictor"]["entropy"][0].size(), 3u);
  ASSERT_EQ(task["spans"]["z"].size(), 4u);
  EXPECT_EQ(task["spans"]["z"][0].size(), 4u);
  EXPECT_EQ(task["spans"]["ramp"], 4);

  // The engine loads it; with a tiny threshold every ramp runs and none exits, so its entropies
  // (ramps 1–3 and the head) and probabilities can be compared with the trainer's.
  auto cls = testing::run({"classify", "--json", "--model", model.string(), "--task", "syn", "--exit-threshold", "1e-30",
                           "a quiet film"});
  ASSERT_EQ(cls.status, 0) << cls.err;
  const json e = json::parse(cls.out);
  ASSERT_EQ(e["entropies"].size(), 4u) << e;
  auto dump = testing::run({"dump", "--model", model.string(), "--out", (dir / "d.safetensors").string(), "a quiet film"});
  ASSERT_EQ(dump.status, 0) << dump.err;
  SafetensorsFile f(dir / "d.safetensors");
  const TensorInfo* ti = f.find("input_ids");
  const auto* ids = reinterpret_cast<const int64_t*>(f.data(*ti).data());
  const int64_t T = ti->shape[0];
  auto backbone = train::load_model_dir(model);
  backbone->eval();
  auto pack = train::read_pack(o.out, backbone->albert->config);
  EXPECT_FLOAT_EQ(pack.exit.threshold, static_cast<float>(t));
  torch::NoGradGuard no_grad;
  const auto id_t = torch::from_blob(const_cast<int64_t*>(ids), {1, T}, torch::kLong).clone();
  const auto out = pack.model->forward(*backbone->albert, id_t, torch::zeros({1, T}, torch::kLong),
                                       torch::ones({1, T}, torch::kLong), true);
  for (int l = 0; l < 3; ++l) {
    const float want = train::entropy(out.ramp_logits[0][l]).item<float>();
    EXPECT_NEAR(e["entropies"][static_cast<size_t>(l)].get<float>(), want, 1e-4f + 1e-3f * want) << "ramp " << l + 1;
  }
  const auto probs = torch::softmax(out.logits[0], -1);
  EXPECT_NEAR(e["probs"][1].get<float>(), probs[1].item<float>(), 1e-4f);
}

TEST(Edgebert, DistillationFollowsTheTeacherAndTaskPruningBakesZeros) {
  const fs::path dir = testing::temp_dir("edgebert-distil");
  const fs::path model = model_with_tasks(dir);
  const fs::path data = write_task(dir);
  // A teacher that is confidently wrong on every training example: with α = 1 the student follows it.
  const train::TaskData d = train::read_task_data(data);
  const auto& tr = d.split("train");
  auto logits = torch::zeros({static_cast<int64_t>(tr.size()), 2});
  for (size_t i = 0; i < tr.size(); ++i) logits[static_cast<int64_t>(i)][tr.labels[i] > 0.5f ? 0 : 1] = 6.0f;
  train::write_tensors(dir / "teacher.safetensors", {{"train.logits", logits}}, DType::F32);
  auto o = base_options(model, data, "distil");
  o.teacher_logits = dir / "teacher.safetensors";
  o.alpha = 1.0;
  o.epochs = 6;
  o.task_sparsity = 0.5;
  const json r = train::run_edgebert(o);
  // Chance is 0.5; the labels alone reach > 0.85 (test above): far below chance means it learned the
  // teacher's inverted rule.
  EXPECT_LT(r["dev_head"]["accuracy"].get<double>(), 0.3) << r["dev_head"];
  EXPECT_NEAR(r["task_pruning"]["zero_fraction"].get<double>(), 0.5, 1e-3);
  SafetensorsFile f(o.out / "task.safetensors");
  for (const char* name : {"pooler.weight", "classifier.weight", "adapters.0.attention.down.weight", "adapters.3.ffn.up.weight"}) {
    const TensorInfo* t = f.find(name);
    ASSERT_NE(t, nullptr) << name;
    std::vector<std::unique_ptr<float[]>> owned;
    const float* p = f32_tensor(f, name, t->shape, owned);
    int64_t n = 1, z = 0;
    for (auto s : t->shape) n *= s;
    for (int64_t i = 0; i < n; ++i) z += p[i] == 0.0f;
    EXPECT_EQ(z, n / 2) << name;
  }
  // The trainer's own prediction path (pack read back, early exit with its threshold) runs on it.
  const json pred = train::predict_pack(model, "distil", data, "dev", -1, "cpu");
  EXPECT_EQ(pred["predictions"].size(), 64u);
  EXPECT_GE(pred["mean_exit_layer"].get<double>(), 1.0);
}

TEST(Edgebert, JointRampsAreTrainedInStageOne) {
  const fs::path dir = testing::temp_dir("edgebert-joint");
  const fs::path model = model_with_tasks(dir);
  auto o = base_options(model, write_task(dir), "joint");
  o.joint_ramps = 1.0;
  o.ramp_epochs = 0;  // no stage 2: the ramps are what stage 1 made of them
  const json r = train::run_edgebert(o);
  EXPECT_EQ(r["stage1"]["joint_ramps"].get<double>(), 1.0);
  const auto& epochs = r["stage1"]["epochs"];
  ASSERT_EQ(epochs.size(), 3u);
  const double first = epochs[0]["train_ramp_ce"].get<double>(), last = epochs[2]["train_ramp_ce"].get<double>();
  EXPECT_LT(last, first) << epochs;
  EXPECT_LT(last, 0.3) << epochs;  // ln 2 ≈ 0.69 is an untrained ramp
  const auto& layers = r["offramps"]["light"]["calib"]["layers"];
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_GT(layers[0]["metric"].get<double>(), 0.8) << layers[0];
  EXPECT_GT(layers[2]["metric"].get<double>(), 0.8) << layers[2];
  EXPECT_GT(r["dev_head"]["accuracy"].get<double>(), 0.85) << r["dev_head"];
}

TEST(Edgebert, BadOptionsAreOneLineErrors) {
  const fs::path dir = testing::temp_dir("edgebert-bad");
  const fs::path model = model_with_tasks(dir);
  auto o = base_options(model, write_task(dir), "bad");
  auto expect_error = [](const train::EdgebertOptions& opts, const std::string& needle) {
    try {
      train::run_edgebert(opts);
      ADD_FAILURE() << "no error; expected one mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  auto a = o;
  a.offramp = "heavy";
  expect_error(a, "--offramp");
  auto b = o;
  b.predictor_layer = 4;
  expect_error(b, "--predictor-layer must be in [1, 3]");
  auto c = o;
  c.teacher_logits = dir / "absent.safetensors";
  expect_error(c, "absent.safetensors");
  auto j = o;
  j.joint_ramps = -1;
  expect_error(j, "--joint-ramps must be >= 0");
  auto cli = testing::run({"train", "edgebert", "--init", model.string(), "--data", o.data.string(), "--out",
                           (dir / "x").string(), "--offramp", "heavy"});
  EXPECT_EQ(cli.status, 2) << cli.err;
}

}  // namespace
}  // namespace edgemt
