// Early exit through the Engine on the demo backbone applied 12 times (its one shared layer, as
// ALBERT does): threshold 0 is today's pass, a certain off-ramp after layer 4 stops every sentence
// there, sequences leaving the batch do not change the others, the exit predictor's three policies,
// spans reach attention, and mixed-task batches.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/error.h"
#include "edgemt/engine.h"
#include "runtime/compress.h"
#include "runtime/pack_builder.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<TextInput> kTexts{{"a gorgeous , witty , seductive movie .", {}},
                                    {"the dullest film of the year , and far too long", {}},
                                    {"it 's a charming and often affecting journey .", {}},
                                    {"not a bad film , but not a good one either .", {}},
                                    {"one of the best films of the decade", {}},
                                    {"boring", {}},
                                    {"a mess from start to finish , with no redeeming qualities whatsoever", {}},
                                    {"funny , moving and true", {}}};

const std::vector<int> kAllRamps{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
const std::string kLabels = R"("glue_task": "sst2", "labels": ["negative", "positive"])";

std::string early_exit_json(const std::string& kind, double threshold, const std::vector<int>& layers) {
  return R"("early_exit": {"offramp": ")" + kind + R"(", "threshold": )" + std::to_string(threshold) +
         R"(, "layers": )" + json(layers).dump() + "}";
}

// Predictor after layer 2: every bin predicts entropy 0.6 for layers 3, 4 and 0.1 from layer 5 on.
std::string predictor_json() {
  json rows = json::array();
  for (int b = 0; b < 100; ++b) rows.push_back({0.6, 0.6, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1});
  return R"("predictor": {"layer": 2, "bins": 100, "entropy": )" + rows.dump() + "}";
}

// The demo model with num_hidden_layers 12 and packs:
//   plain  the checkpoint's head, no off-ramps
//   at4    light ramps after 1 … 11: 1–3 uncertain, 4 certain (label negative), threshold 0.3
//   at4full the same with full ramps
//   random random light ramps after every layer, threshold 0.45 (sentences exit at different layers)
//   pred   uncertain ramps except 8 (certain), the predictor above, threshold 0.3
//   span0  the checkpoint's head and spans of window 0 for every head
//   spanwide spans wider than any sentence
fs::path model_dir() {
  static const fs::path d = [] {
    const fs::path demo = testing::source_dir() / "models/albert-tiny-sst2";
    const fs::path dir = testing::temp_dir("early_exit_model");
    testing::copy_dir(demo, dir);
    json cfg = json::parse(testing::slurp(dir / "config.json"));
    cfg["num_hidden_layers"] = 12;
    testing::write_text(dir / "config.json", cfg.dump(2));
    const AlbertConfig c = load_albert_config(dir / "config.json");
    const SafetensorsFile model(demo / "model.safetensors");
    testing::PackBuilder plain;
    testing::add_checkpoint_head(plain, model);
    plain.write(dir / "tasks/plain", "{" + kLabels + "}");
    for (const std::string kind : {"light", "full"}) {
      testing::PackBuilder b = plain;
      testing::add_random_offramps(b, c, 2, kAllRamps, kind, 5);
      for (int l : {1, 2, 3}) testing::set_offramp_output(b, l, {0.0f, 0.0f});
      testing::set_offramp_output(b, 4, {30.0f, -30.0f});
      b.write(dir / (kind == "light" ? "tasks/at4" : "tasks/at4full"),
              "{" + kLabels + ", " + early_exit_json(kind, 0.3, kAllRamps) + "}");
    }
    testing::PackBuilder random = plain;
    testing::add_random_offramps(random, c, 2, kAllRamps, "light", 9);
    for (int l : kAllRamps) {  // logits of a few units: entropies spread over (0, ln 2)
      auto& w = random.get("offramps." + std::to_string(l) + ".classifier.weight").values;
      for (float& v : w) v *= 2.0f;
    }
    random.write(dir / "tasks/random", "{" + kLabels + ", " + early_exit_json("light", 0.45, kAllRamps) + "}");
    testing::PackBuilder pred = plain;
    testing::add_random_offramps(pred, c, 2, kAllRamps, "light", 7);
    for (int l : kAllRamps) testing::set_offramp_output(pred, l, {0.0f, 0.0f});
    testing::set_offramp_output(pred, 8, {-30.0f, 30.0f});
    pred.write(dir / "tasks/pred",
               "{" + kLabels + ", " + early_exit_json("light", 0.3, kAllRamps) + ", " + predictor_json() + "}");
    testing::PackBuilder reg;
    testing::add_random_head(reg, c, 1, 3);
    testing::add_random_adapters(reg, c, 8, 1, 4);
    reg.write(dir / "tasks/reg",
              R"({"problem_type": "regression", "adapter": )" + testing::adapter_json(8, "relu", true) + "}");
    plain.write(dir / "tasks/span0", "{" + kLabels + R"(, "spans": {"ramp": 1, "z": [0, 0, 0, 0]}})");
    plain.write(dir / "tasks/spanwide", "{" + kLabels + R"(, "spans": {"ramp": 4, "z": [500, 500, 500, 500]}})");
    return dir;
  }();
  return d;
}

const Engine& engine() {
  static const Engine e(model_dir());
  return e;
}

ClassifyOptions with_threshold(std::optional<float> t, std::optional<ExitPolicy> policy = {}) {
  ClassifyOptions o;
  o.exit_threshold = t;
  o.exit_policy = policy;
  return o;
}

TEST(EarlyExit, ThresholdZeroIsTodaysPassExactly) {
  const auto plain = engine().classify_batch("plain", kTexts);
  for (const char* task : {"at4", "random", "pred"}) {
    const auto off = engine().classify_batch(task, kTexts, with_threshold(0.0f));
    ASSERT_EQ(off.size(), plain.size());
    for (size_t i = 0; i < off.size(); ++i) {
      EXPECT_EQ(off[i].logits, plain[i].logits) << task << " " << i;
      EXPECT_EQ(off[i].exit_layer, 12);
      EXPECT_FALSE(off[i].early_exit);
      ASSERT_EQ(off[i].entropies.size(), 12u);
      EXPECT_FLOAT_EQ(off[i].entropies.back(), off[i].entropy);
      EXPECT_TRUE(std::isnan(off[i].entropies[0])) << "no off-ramp runs with early exit off";
    }
  }
  for (const auto& p : plain) {
    EXPECT_EQ(p.exit_layer, 12);
    EXPECT_EQ(p.layers, 12);
  }
}

TEST(EarlyExit, ACertainOffRampAfterLayerFourStopsEverySentenceThere) {
  for (const char* task : {"at4", "at4full"}) {
    const auto preds = engine().classify_batch(task, kTexts);
    for (const auto& p : preds) {
      EXPECT_TRUE(p.early_exit);
      EXPECT_EQ(p.exit_layer, 4) << task;
      EXPECT_EQ(p.layers, 12);
      ASSERT_EQ(p.entropies.size(), 4u) << "layers run";
      for (int l = 0; l < 3; ++l) EXPECT_NEAR(p.entropies[static_cast<size_t>(l)], std::log(2.0f), 1e-5f);
      EXPECT_LT(p.entropies[3], 1e-6f);
      EXPECT_EQ(p.logits, (std::vector<float>{30.0f, -30.0f})) << "the layer-4 ramp's logits";
      EXPECT_EQ(p.label, "negative");
      EXPECT_EQ(p.predicted_exit_layer, 0);
    }
  }
  // The task's threshold is overridable per call; below the ramp's entropy nobody exits before 12.
  for (const auto& p : engine().classify_batch("at4", kTexts, with_threshold(1e-30f))) EXPECT_EQ(p.exit_layer, 12);
}

TEST(EarlyExit, SequencesLeavingTheBatchDoNotChangeTheOthers) {
  const auto batched = engine().classify_batch("random", kTexts);
  std::set<int> layers;
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const auto one = engine().classify_batch("random", {kTexts[i]});
    EXPECT_EQ(one[0].exit_layer, batched[i].exit_layer) << i;
    ASSERT_EQ(one[0].logits.size(), batched[i].logits.size());
    for (size_t k = 0; k < one[0].logits.size(); ++k) EXPECT_NEAR(one[0].logits[k], batched[i].logits[k], 1e-4f) << i;
    ASSERT_EQ(one[0].entropies.size(), batched[i].entropies.size());
    layers.insert(batched[i].exit_layer);
  }
  EXPECT_GE(layers.size(), 2u) << "sentences should exit at different layers for this test to mean something";
}

TEST(EarlyExit, ExitPolicies) {
  // Ramps 1–11 are uncertain (ln 2 ≥ 0.3) but 8; the predictor says layer 5.
  const auto entropy = engine().classify_batch("pred", kTexts, with_threshold({}, ExitPolicy::Entropy));
  const auto accuracy = engine().classify_batch("pred", kTexts, with_threshold({}, ExitPolicy::AccuracyFirst));
  const auto latency = engine().classify_batch("pred", kTexts, with_threshold({}, ExitPolicy::LatencyBounded));
  for (size_t i = 0; i < kTexts.size(); ++i) {
    EXPECT_EQ(entropy[i].exit_layer, 8);
    EXPECT_EQ(entropy[i].predicted_exit_layer, 0) << "plain early exit runs no predictor";
    EXPECT_EQ(entropy[i].label, "positive");
    EXPECT_EQ(accuracy[i].exit_layer, 8) << "accuracy-first continues past the prediction";
    EXPECT_EQ(accuracy[i].predicted_exit_layer, 5);
    EXPECT_EQ(accuracy[i].logits, entropy[i].logits);
    EXPECT_EQ(latency[i].exit_layer, 5) << "latency-bounded stops at the prediction";
    EXPECT_EQ(latency[i].predicted_exit_layer, 5);
    EXPECT_EQ(latency[i].logits, (std::vector<float>{0.0f, 0.0f})) << "layer 5's ramp answers";
  }
  // With a threshold below the predicted 0.1 nobody is predicted to exit (L̂ = L): a true exit comes first.
  const auto late = engine().classify_batch("pred", kTexts, with_threshold(0.05f, ExitPolicy::LatencyBounded));
  EXPECT_EQ(late[0].predicted_exit_layer, 12);
  EXPECT_EQ(late[0].exit_layer, 8);
  // The engine's default policy applies when a call names none.
  const Engine latency_engine(model_dir(), {.threads = 0, .exit_policy = ExitPolicy::LatencyBounded});
  EXPECT_EQ(latency_engine.classify_batch("pred", kTexts)[0].exit_layer, 5);
}

TEST(EarlyExit, ErrorsForImpossibleThresholdsAndMissingPredictor) {
  const auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { engine().classify_batch("at4", kTexts, with_threshold(0.7f)); }).find("ln 2"),
            std::string::npos);
  EXPECT_NE(message([] { engine().classify_batch("at4", kTexts, with_threshold(-0.1f)); }).find("outside"),
            std::string::npos);
  EXPECT_NE(message([] { engine().classify_batch("at4", kTexts, with_threshold(NAN)); }).find("outside"),
            std::string::npos);
  EXPECT_NE(message([] { engine().classify_batch("plain", kTexts, with_threshold(0.2f)); }).find("no off-ramps"),
            std::string::npos);
  EXPECT_NE(message([] {
              engine().classify_batch("at4", kTexts, with_threshold({}, ExitPolicy::LatencyBounded));
            }).find("predictor"),
            std::string::npos);
  // Threshold 0 never needs off-ramps or a predictor.
  EXPECT_NO_THROW(engine().classify_batch("plain", kTexts, with_threshold(0.0f, ExitPolicy::LatencyBounded)));
}

TEST(EarlyExit, SpansReachAttention) {
  const auto plain = engine().classify_batch("plain", kTexts);
  // Spans wider than every sentence are full attention.
  const auto wide = engine().classify_batch("spanwide", kTexts);
  for (size_t i = 0; i < kTexts.size(); ++i) EXPECT_EQ(wide[i].logits, plain[i].logits);
  // Window 0 everywhere: each token attends only to itself, so [CLS] never sees the sentence and every
  // sentence gets the same logits, unlike without spans.
  const auto zero = engine().classify_batch("span0", kTexts);
  for (size_t i = 1; i < kTexts.size(); ++i) {
    ASSERT_EQ(zero[i].logits.size(), 2u);
    EXPECT_NEAR(zero[i].logits[0], zero[0].logits[0], 1e-5f);
    EXPECT_NEAR(zero[i].logits[1], zero[0].logits[1], 1e-5f);
  }
  EXPECT_NE(plain[0].logits, plain[1].logits);
  EXPECT_NE(zero[0].logits, plain[0].logits);
  EXPECT_TRUE(engine().task_info("span0").spans);
}

TEST(EarlyExit, MixedTaskBatchesEqualPerTaskBatches) {
  std::vector<TaskInput> inputs;
  const std::vector<std::string> tasks{"plain", "at4", "random", "span0"};
  for (size_t i = 0; i < kTexts.size(); ++i) inputs.push_back({tasks[i % tasks.size()], kTexts[i].text, {}});
  const auto mixed = engine().classify_batch(inputs);
  ASSERT_EQ(mixed.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto one = engine().classify_batch(inputs[i].task, {kTexts[i]});
    EXPECT_EQ(mixed[i].task, inputs[i].task);
    EXPECT_EQ(mixed[i].exit_layer, one[0].exit_layer) << i;
    ASSERT_EQ(mixed[i].logits.size(), one[0].logits.size());
    for (size_t k = 0; k < one[0].logits.size(); ++k) EXPECT_NEAR(mixed[i].logits[k], one[0].logits[k], 1e-4f) << i;
  }
  try {
    engine().classify_batch(std::vector<TaskInput>{{"nope", "text", {}}});
    ADD_FAILURE() << "unknown task accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown task 'nope'"), std::string::npos) << e.what();
  }
}

TEST(EarlyExit, RegressionHasNoEntropyAndRunsEveryLayer) {
  for (const auto& p : engine().classify_batch("reg", kTexts, with_threshold(0.3f))) {
    EXPECT_FALSE(p.early_exit);
    EXPECT_EQ(p.exit_layer, 12);
    EXPECT_TRUE(p.score);
    EXPECT_TRUE(p.entropies.empty());
  }
}

TEST(EarlyExit, TaskInfoDescribesOffRampsAndPredictor) {
  const TaskInfo& t = engine().task_info("pred");
  ASSERT_TRUE(t.early_exit);
  EXPECT_EQ(t.early_exit->offramp, "light");
  EXPECT_FLOAT_EQ(t.early_exit->threshold, 0.3f);
  EXPECT_EQ(t.early_exit->layers, kAllRamps);
  ASSERT_TRUE(t.predictor);
  EXPECT_EQ(t.predictor->layer, 2);
  EXPECT_EQ(t.predictor->bins, 100);
  EXPECT_FALSE(engine().task_info("plain").early_exit);
  EXPECT_TRUE(engine().warnings().empty()) << engine().warnings().front();
}

}  // namespace
}  // namespace edgemt

namespace edgemt {
namespace {

// Four threads on one engine, each on its own task, over a compressed copy of the model above (AF8,
// encoder and task packs 50 % magnitude-pruned: the dense and bitmask AF8 kernels, off-ramps that
// leave the batch at different layers, the predictor's policy, span attention, a regression pack).
// Each thread must get what a lone caller gets. `make tsan` runs it under ThreadSanitizer.
TEST(EarlyExit, ConcurrentCallersOnACompressedModelGetTheirOwnAnswers) {
  const fs::path out = testing::temp_dir("early_exit_compressed") / "model";
  compress_model(model_dir(), out, {.prune = parse_prune_specs("magnitude:0.5:encoder,magnitude:0.5:tasks")});
  const Engine e(out);
  struct Call {
    std::string task;
    ClassifyOptions options;
  };
  const std::vector<Call> calls{{"random", {}},
                                {"pred", with_threshold({}, ExitPolicy::LatencyBounded)},
                                {"span0", {}},
                                {"reg", {}}};
  std::vector<std::vector<Prediction>> serial, parallel(calls.size());
  for (const auto& c : calls) serial.push_back(e.classify_batch(c.task, kTexts, c.options));
  std::set<int> exits;
  for (const auto& p : serial[0]) exits.insert(p.exit_layer);
  EXPECT_GT(exits.size(), 1u) << "the 'random' ramps should let sentences leave at different layers";
  std::vector<std::thread> threads;
  for (size_t i = 0; i < calls.size(); ++i)
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 3; ++rep) parallel[i] = e.classify_batch(calls[i].task, kTexts, calls[i].options);
    });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < calls.size(); ++i) {
    SCOPED_TRACE(calls[i].task);
    ASSERT_EQ(parallel[i].size(), serial[i].size());
    for (size_t k = 0; k < serial[i].size(); ++k) {
      const Prediction &a = parallel[i][k], &b = serial[i][k];
      EXPECT_EQ(a.label_id, b.label_id);
      EXPECT_EQ(a.exit_layer, b.exit_layer);
      EXPECT_EQ(a.predicted_exit_layer, b.predicted_exit_layer);
      ASSERT_EQ(a.probs.size(), b.probs.size());
      for (size_t j = 0; j < a.probs.size(); ++j) EXPECT_NEAR(a.probs[j], b.probs[j], 1e-5f);
      if (b.score) {
        EXPECT_NEAR(*a.score, *b.score, 1e-4f * std::fabs(*b.score) + 1e-5f);
      }
    }
  }
}

}  // namespace
}  // namespace edgemt
