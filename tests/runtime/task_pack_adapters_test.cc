// Task packs with adapters through the Engine on the bundled demo model: identity adapters give
// the head-only pack's logits exactly, real adapters change them, tasks run concurrently, unused
// tensors are warned about, and `edgemt info` reports each pack's adapter kind and bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "edgemt/engine.h"
#include "runtime/pack_builder.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<TextInput> kTexts{{"a gorgeous , witty , seductive movie .", {}},
                                    {"the dullest film of the year , and far too long", {}},
                                    {"it 's a charming and often affecting journey .", {}}};

fs::path demo_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }

// Zero up-projections and the backbone's own LayerNorms: the adapter is the identity.
void make_identity(testing::PackBuilder& b, const SafetensorsFile& model, int sets) {
  const std::string p = "albert.encoder.albert_layer_groups.0.albert_layers.0.";  // the demo model's only layer
  for (int a = 0; a < sets; ++a) {
    const std::string ap = "adapters." + std::to_string(a) + ".";
    for (const char* part : {"attention.up.weight", "attention.up.bias", "ffn.up.weight", "ffn.up.bias"})
      std::fill(b.get(ap + part).values.begin(), b.get(ap + part).values.end(), 0.0f);
    for (const char* w : {".weight", ".bias"}) {
      b.get(ap + "attention_norm" + w).values = testing::tensor_f32(model, p + "attention.LayerNorm" + w);
      b.get(ap + "full_norm" + w).values = testing::tensor_f32(model, p + "full_layer_layer_norm" + w);
    }
  }
}

// The demo model plus packs: plain (head only), identity_shared, identity_per_layer, tuned (random
// adapters, m 16, one set per layer) — all with the checkpoint's own head.
fs::path model_with_adapter_packs() {
  const fs::path d = testing::temp_dir("adapter_packs");
  testing::copy_dir(demo_model(), d);
  const SafetensorsFile model(demo_model() / "model.safetensors");
  const AlbertConfig c = load_albert_config(demo_model() / "config.json");
  const std::string labels = R"("glue_task": "sst2", "labels": ["negative", "positive"])";
  testing::PackBuilder plain;
  testing::add_checkpoint_head(plain, model);
  plain.write(d / "tasks/plain", "{" + labels + "}");
  for (bool shared : {true, false}) {
    testing::PackBuilder b = plain;
    const int sets = shared ? 1 : c.total_layers();
    testing::add_random_adapters(b, c, 8, sets, 21);
    make_identity(b, model, sets);
    b.write(d / (shared ? "tasks/identity_shared" : "tasks/identity_per_layer"),
            "{" + labels + R"(, "adapter": )" + testing::adapter_json(8, "relu", shared) + "}");
  }
  testing::PackBuilder tuned = plain;
  testing::add_random_adapters(tuned, c, 16, c.total_layers(), 33);
  tuned.write(d / "tasks/tuned",
              "{" + labels + R"(, "max_length": 64, "adapter": )" + testing::adapter_json(16, "gelu", false) + "}");
  return d;
}

std::vector<std::vector<float>> logits(const Engine& e, const std::string& task) {
  std::vector<std::vector<float>> r;
  for (const auto& p : e.classify_batch(task, kTexts)) r.push_back(p.logits);
  return r;
}

TEST(TaskPackAdapters, IdentityAdaptersReproduceTheHeadOnlyPackExactly) {
  const Engine engine(model_with_adapter_packs());
  ASSERT_EQ(engine.tasks(),
            (std::vector<std::string>{"default", "identity_per_layer", "identity_shared", "plain", "tuned"}));
  EXPECT_TRUE(engine.warnings().empty()) << engine.warnings().front();
  const auto plain = logits(engine, "plain");
  EXPECT_EQ(plain, logits(engine, "default")) << "a head-only pack is today's pass";
  EXPECT_EQ(plain, logits(engine, "identity_shared"));
  EXPECT_EQ(plain, logits(engine, "identity_per_layer"));
  const auto tuned = logits(engine, "tuned");
  for (size_t i = 0; i < tuned.size(); ++i)
    EXPECT_GT(std::fabs(tuned[i][0] - plain[i][0]), 1e-3f) << "real adapters change the logits of text " << i;
  // Pairs too (the same pass, token types 0 and 1).
  const auto a = engine.classify("plain", "a fine film", std::string_view("it was fine"));
  const auto b = engine.classify("identity_per_layer", "a fine film", std::string_view("it was fine"));
  EXPECT_EQ(a.logits, b.logits);
}

TEST(TaskPackAdapters, TaskInfoDescribesTheAdapters) {
  const Engine engine(model_with_adapter_packs());
  const AlbertConfig c = load_albert_config(demo_model() / "config.json");
  EXPECT_FALSE(engine.task_info("plain").adapter);
  EXPECT_EQ(engine.task_info("plain").max_length, 0u);
  const auto& t = engine.task_info("tuned");
  ASSERT_TRUE(t.adapter);
  EXPECT_EQ(t.max_length, 64u);
  EXPECT_EQ(t.adapter->size, 16);
  EXPECT_EQ(t.adapter->activation, "gelu");
  EXPECT_FALSE(t.adapter->share_across_layers);
  EXPECT_EQ(t.adapter->sets, c.total_layers());
  const size_t H = 256, m = 16;
  EXPECT_EQ(t.adapter->parameters, 4 * (2 * (2 * H * m + H + m) + 4 * H));
  const auto& s = engine.task_info("identity_shared");
  ASSERT_TRUE(s.adapter);
  EXPECT_TRUE(s.adapter->share_across_layers);
  EXPECT_EQ(s.adapter->activation, "relu");
  EXPECT_EQ(s.adapter->sets, 1);
}

TEST(TaskPackAdapters, TasksWithDifferentAdaptersRunConcurrently) {
  const Engine engine(model_with_adapter_packs());
  const std::vector<std::string> tasks{"tuned", "plain", "identity_shared", "tuned"};
  std::vector<std::vector<std::vector<float>>> serial, parallel(tasks.size());
  for (const auto& t : tasks) serial.push_back(logits(engine, t));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tasks.size(); ++i)
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 3; ++rep) parallel[i] = logits(engine, tasks[i]);
    });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < tasks.size(); ++i)
    for (size_t k = 0; k < serial[i].size(); ++k)
      for (size_t j = 0; j < serial[i][k].size(); ++j)
        EXPECT_NEAR(parallel[i][k][j], serial[i][k][j], 1e-4f * std::fabs(serial[i][k][j]) + 1e-5f) << tasks[i];
}

TEST(TaskPackAdapters, UnusedTensorsAreWarnedAbout) {
  const fs::path d = model_with_adapter_packs();
  const AlbertConfig c = load_albert_config(demo_model() / "config.json");
  testing::PackBuilder b;
  testing::add_checkpoint_head(b, SafetensorsFile(demo_model() / "model.safetensors"));
  testing::add_random_adapters(b, c, 4, 1, 9);
  b.add("adapters.0.attention.gate", {1}, {0.5f});
  b.add("notes.weight", {2}, {1.0f, 2.0f});
  b.write(d / "tasks/extra",
          R"({"labels": ["negative", "positive"], "adapter": )" + testing::adapter_json(4, "silu", true) + "}");
  const Engine engine(d);
  ASSERT_EQ(engine.warnings().size(), 1u);
  const std::string& w = engine.warnings()[0];
  EXPECT_NE(w.find((d / "tasks/extra/task.safetensors").string()), std::string::npos) << w;
  EXPECT_NE(w.find("tensors not used by the model: adapters.0.attention.gate, notes.weight"), std::string::npos) << w;
  EXPECT_EQ(w.find('\n'), std::string::npos) << w;
}

TEST(TaskPackAdapters, InfoListsAdapterKindAndPackBytes) {
  const fs::path d = model_with_adapter_packs();
  const auto r = testing::run({"info", "--model", d.string(), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  std::map<std::string, json> tasks;
  for (const auto& t : j["tasks"]) tasks[t["name"]] = t;
  ASSERT_EQ(tasks.size(), 5u);
  EXPECT_TRUE(tasks["plain"]["adapter"].is_null());
  EXPECT_TRUE(tasks["plain"]["max_length"].is_null());
  const json& a = tasks["tuned"]["adapter"];
  EXPECT_EQ(a["size"], 16);
  EXPECT_EQ(a["activation"], "gelu");
  EXPECT_EQ(a["share_across_layers"], false);
  EXPECT_EQ(a["sets"], 4);
  EXPECT_EQ(tasks["tuned"]["max_length"], 64);
  const size_t H = 256, head = H * H + H + 2 * H + 2;
  EXPECT_EQ(tasks["tuned"]["parameters"].get<size_t>(), head + a["parameters"].get<size_t>());
  EXPECT_EQ(tasks["tuned"]["bytes"].get<size_t>(), 4 * tasks["tuned"]["parameters"].get<size_t>()) << "F32 pack";
  EXPECT_EQ(tasks["tuned"]["bytes"], j["regions"]["task tuned"]["bytes"]);
  EXPECT_EQ(tasks["plain"]["bytes"].get<size_t>(), 4 * head);
  EXPECT_EQ(tasks["default"]["parameters"].get<size_t>(), head) << "the checkpoint's own head";
  EXPECT_EQ(tasks["identity_shared"]["adapter"]["share_across_layers"], true);

  const auto text = testing::run({"info", "--model", d.string()});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("m 16 gelu, 4 sets"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("m 8 relu, shared"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace edgemt
