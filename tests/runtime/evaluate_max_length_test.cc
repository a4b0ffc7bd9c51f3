// A task pack's "max_length" is eval's default truncation: through evaluate() and `edgemt eval`,
// an explicit max length still wins, and packs without one keep the model's default.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "edgemt/engine.h"
#include "runtime/evaluate.h"
#include "runtime/pack_builder.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

fs::path demo_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }

struct Fixture {
  fs::path model, data;
};

// The demo model with packs "short" (max_length 8, adapters) and "plain" (head only, no max_length),
// both with the checkpoint's head, and an SST-2 file whose sentences run past 8 tokens.
Fixture make_fixture() {
  const fs::path d = testing::temp_dir("eval_max_length");
  testing::copy_dir(demo_model(), d / "model");
  const SafetensorsFile model(demo_model() / "model.safetensors");
  const AlbertConfig c = load_albert_config(demo_model() / "config.json");
  testing::PackBuilder plain;
  testing::add_checkpoint_head(plain, model);
  plain.write(d / "model/tasks/plain", R"({"glue_task": "sst2", "labels": ["negative", "positive"]})");
  testing::PackBuilder adapted = plain;
  testing::add_random_adapters(adapted, c, 4, 1, 5);
  adapted.write(d / "model/tasks/short",
                R"({"glue_task": "sst2", "labels": ["negative", "positive"], "max_length": 8, )"
                R"("adapter": )" +
                    testing::adapter_json(4, "gelu", true) + "}");
  testing::write_text(d / "dev.tsv",
                      "sentence\tlabel\n"
                      "a warm , funny and wise film about growing up in a small town by the sea .\t1\n"
                      "good .\t1\n"
                      "the dullest movie of the year , with a plot that goes nowhere and actors who seem bored .\t0\n"
                      "a triumph of style over substance , and it bored me stiff for two long hours .\t0\n");
  return {d / "model", d / "dev.tsv"};
}

TEST(EvaluateMaxLength, ThePacksMaxLengthIsTheDefault) {
  const Fixture f = make_fixture();
  const Engine engine(f.model);
  const glue::TaskSpec& sst2 = *glue::find_task("sst2");
  const EvalResult r = evaluate(engine, "short", sst2, f.data);
  EXPECT_EQ(r.max_length, 8u);
  ASSERT_EQ(r.predictions.size(), 4u);
  int at_limit = 0;
  for (const auto& p : r.predictions) {
    EXPECT_LE(p.tokens, 8);
    at_limit += p.tokens == 8;
  }
  EXPECT_EQ(at_limit, 3) << "three sentences are longer than 8 tokens";
  EXPECT_LT(r.predictions[1].tokens, 8);

  // The same as asking for 8 explicitly; asking for 12 overrides the pack.
  const EvalResult same = evaluate(engine, "short", sst2, f.data, {.max_length = 8, .progress = {}, .exit_threshold = {}, .exit_policy = {}});
  for (size_t i = 0; i < r.predictions.size(); ++i) EXPECT_EQ(r.predictions[i].logits, same.predictions[i].logits);
  const EvalResult longer = evaluate(engine, "short", sst2, f.data, {.max_length = 12, .progress = {}, .exit_threshold = {}, .exit_policy = {}});
  EXPECT_EQ(longer.max_length, 12u);
  EXPECT_EQ(longer.predictions[0].tokens, 12);
  EXPECT_GT(longer.mean_tokens, r.mean_tokens);
}

TEST(EvaluateMaxLength, PacksWithoutOneKeepTheModelDefault) {
  const Fixture f = make_fixture();
  const Engine engine(f.model);
  const glue::TaskSpec& sst2 = *glue::find_task("sst2");
  const EvalResult r = evaluate(engine, "plain", sst2, f.data);
  EXPECT_EQ(r.max_length, engine.default_max_length());
  EXPECT_EQ(r.max_length, 64u) << "tokenizer_config.json model_max_length";
  EXPECT_GT(r.predictions[2].tokens, 12);
  const EvalResult d = evaluate(engine, "default", sst2, f.data);
  EXPECT_EQ(d.max_length, 64u);
  EXPECT_EQ(d.mean_tokens, r.mean_tokens);
}

TEST(EvaluateMaxLength, EvalCommandUsesIt) {
  const Fixture f = make_fixture();
  const auto a =
      testing::run({"eval", "--model", f.model.string(), "--task", "short", "--data", f.data.string(), "--json"});
  ASSERT_EQ(a.status, 0) << a.err;
  const auto ja = nlohmann::json::parse(a.out);
  EXPECT_EQ(ja["max_length"], 8);
  const Engine engine(f.model);
  EXPECT_DOUBLE_EQ(ja["mean_tokens"].get<double>(),
                   evaluate(engine, "short", *glue::find_task("sst2"), f.data).mean_tokens);
  EXPECT_LE(ja["mean_tokens"].get<double>(), 8.0);
  const auto b = testing::run({"eval", "--model", f.model.string(), "--task", "short", "--data", f.data.string(),
                               "--max-length", "16", "--json"});
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(b.out)["max_length"], 16);
  EXPECT_GT(nlohmann::json::parse(b.out)["mean_tokens"].get<double>(), ja["mean_tokens"].get<double>());
  const auto c =
      testing::run({"eval", "--model", f.model.string(), "--task", "plain", "--data", f.data.string(), "--json"});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(nlohmann::json::parse(c.out)["max_length"], 64);
  const auto text = testing::run({"eval", "--model", f.model.string(), "--task", "short", "--data", f.data.string()});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("(max 8)"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace edgemt
