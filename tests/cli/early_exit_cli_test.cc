// Early exit from the command line: --exit-threshold and --exit-policy on classify, eval and bench,
// eval --json's mean_exit_layer, eval --trace's JSON lines, and one-line errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/pack_builder.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run;

const std::string kLabels = R"("glue_task": "sst2", "labels": ["negative", "positive"])";

// The demo model applied 12 times with the pack "at4" (light ramps after 1 … 11, the one after layer 4
// certain, threshold 0.3, predictor after layer 2 saying layer 6) and "plain" (no ramps), and a
// 3-example SST-2 file.
struct Fixture {
  fs::path model, data;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    const fs::path demo = testing::source_dir() / "models/albert-tiny-sst2";
    const fs::path dir = testing::temp_dir("early_exit_cli");
    testing::copy_dir(demo, dir / "model");
    json cfg = json::parse(testing::slurp(dir / "model/config.json"));
    cfg["num_hidden_layers"] = 12;
    testing::write_text(dir / "model/config.json", cfg.dump(2));
    const AlbertConfig c = load_albert_config(dir / "model/config.json");
    const SafetensorsFile model(demo / "model.safetensors");
    testing::PackBuilder plain;
    testing::add_checkpoint_head(plain, model);
    plain.write(dir / "model/tasks/plain", "{" + kLabels + "}");
    testing::PackBuilder b = plain;
    const std::vector<int> layers{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    testing::add_random_offramps(b, c, 2, layers, "light", 5);
    for (int l : layers) testing::set_offramp_output(b, l, {0.0f, 0.0f});
    testing::set_offramp_output(b, 4, {30.0f, -30.0f});
    json rows = json::array();
    for (int k = 0; k < 100; ++k) rows.push_back({0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1});
    b.write(dir / "model/tasks/at4",
            "{" + kLabels + R"(, "early_exit": {"offramp": "light", "threshold": 0.3, "layers": )" +
                json(layers).dump() + R"(}, "predictor": {"layer": 2, "bins": 100, "entropy": )" + rows.dump() +
                R"(}, "spans": {"ramp": 1, "z": [0, 1, 3, 500]}})");
    testing::write_text(dir / "dev.tsv",
                        "sentence\tlabel\na gorgeous , witty , seductive movie .\t1\n"
                        "the dullest film of the year\t0\nfunny , moving and true\t1\n");
    return Fixture{dir / "model", dir / "dev.tsv"};
  }();
  return f;
}

void expect_error(const testing::Result& r, int status, const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

std::vector<json> lines(const std::string& text) {
  std::vector<json> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(json::parse(line));
  return out;
}

// `dump --task` runs the pack as classify does with early exit off: adapters and attention spans.
TEST(EarlyExitCli, DumpAppliesThePacksSpans) {
  const std::string m = fixture().model.string();
  const fs::path out = testing::temp_dir("early_exit_cli_dump") / "d.safetensors";
  const std::string text = "a gorgeous , witty , seductive movie , long enough for spans to matter .";
  auto r = run({"dump", "--model", m, "--task", "at4", "--out", out.string(), text});
  ASSERT_EQ(r.status, 0) << r.err;
  const SafetensorsFile f(out);
  const auto* t = f.find("logits");
  ASSERT_NE(t, nullptr);
  std::vector<float> z(2);
  std::memcpy(z.data(), f.data(*t).data(), sizeof(float) * 2);
  r = run({"classify", "--model", m, "--task", "at4", "--exit-threshold", "0", "--json", text});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  const double p1 = 1.0 / (1.0 + std::exp(static_cast<double>(z[0]) - z[1]));
  EXPECT_NEAR(j["probs"][1].get<double>(), p1, 1e-5);
  // The same text without the pack's spans (plain has none) gives other logits: the spans mattered.
  r = run({"classify", "--model", m, "--task", "plain", "--json", text});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(std::fabs(json::parse(r.out)["probs"][1].get<double>() - p1), 1e-4);
}

TEST(EarlyExitCli, InfoDescribesRampsPredictorAndSpans) {
  const std::string m = fixture().model.string();
  auto r = run({"info", "--model", m, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json info = json::parse(r.out);
  json at4, plain;
  for (const auto& t : info["tasks"]) {
    if (t["name"] == "at4") at4 = t;
    if (t["name"] == "plain") plain = t;
  }
  ASSERT_FALSE(at4.is_null() || plain.is_null()) << r.out;
  EXPECT_EQ(at4["early_exit"]["offramp"], "light");
  EXPECT_NEAR(at4["early_exit"]["threshold"].get<double>(), 0.3, 1e-6);
  EXPECT_EQ(at4["early_exit"]["layers"].size(), 11u);
  EXPECT_EQ(at4["predictor"], json({{"layer", 2}, {"bins", 100}}));
  EXPECT_EQ(at4["spans"]["heads"], 4);          // one list shared by every layer application
  EXPECT_EQ(at4["spans"]["self_only"], 1);      // z 0 with R 1: window 0, the head copies V
  EXPECT_DOUBLE_EQ(at4["spans"]["max_z"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(at4["spans"]["mean_z"].get<double>(), (0 + 1 + 3 + 500) / 4.0);
  EXPECT_TRUE(plain["early_exit"].is_null() && plain["predictor"].is_null() && plain["spans"].is_null());

  r = run({"info", "--model", m});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("light ramps after 1–11 (11), T 0.300 nats"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer 2, 100 bins"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("R 1, mean z 126.0, max 500.0, 1/4 self-only"), std::string::npos) << r.out;
}

TEST(EarlyExitCli, EvalSweepWritesAccuracyAgainstExitLayer) {
  const std::string m = fixture().model.string(), d = fixture().data.string();
  const fs::path out = testing::temp_dir("early_exit_cli_sweep") / "sweep.json";
  auto r = run({"eval", "--model", m, "--task", "at4", "--data", d, "--sweep", out.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("exit-threshold sweep (3 examples)"), std::string::npos) << r.out;
  const json j = json::parse(testing::slurp(out));
  ASSERT_EQ(j["sweeps"].size(), 1u);
  const json& s = j["sweeps"][0];
  EXPECT_EQ(s["task"], "at4");
  EXPECT_EQ(s["layers"], 12);
  ASSERT_EQ(s["points"].size(), 41u);
  EXPECT_EQ(s["points"][0]["threshold"], 0.0);
  EXPECT_EQ(s["points"][0]["mean_exit_layer"], 12.0);
  for (const auto& p : s["points"]) {
    const double t = p["threshold"].get<double>();
    if (t > 0 && t < 0.69) {
      EXPECT_EQ(p["mean_exit_layer"], 4.0) << t;  // ramps 1–3 at ln 2, ramp 4 certain
    }
    EXPECT_TRUE(p.contains("accuracy"));
  }
  r = run({"eval", "--model", m, "--task", "plain", "--data", d, "--sweep", out.string()});
  expect_error(r, 1, "task 'plain' has no off-ramps");
  r = run({"eval", "--model", m, "--task", "at4", "--data", d, "--sweep", "/nonexistent-dir/s.json"});
  expect_error(r, 1, "--sweep");
}

TEST(EarlyExitCli, ClassifyReportsTheExitAndTakesAnOverride) {
  const std::string m = fixture().model.string();
  auto r = run({"classify", "--model", m, "--task", "at4", "--json", "a fine film"});
  ASSERT_EQ(r.status, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["exit_layer"], 4);
  EXPECT_EQ(j["layers"], 12);
  EXPECT_EQ(j["early_exit"], true);
  EXPECT_EQ(j["label"], "negative");
  ASSERT_EQ(j["entropies"].size(), 4u);
  EXPECT_TRUE(j["entropies"][3].is_number());
  r = run({"classify", "--model", m, "--task", "at4", "--json", "--exit-threshold", "0", "a fine film"});
  ASSERT_EQ(r.status, 0) << r.err;
  j = json::parse(r.out);
  EXPECT_EQ(j["exit_layer"], 12);
  EXPECT_EQ(j["early_exit"], false);
  EXPECT_TRUE(j["entropies"][0].is_null());
  r = run({"classify", "--model", m, "--task", "at4", "--json", "--exit-policy", "latency-bounded", "a fine film"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["exit_layer"], 4) << "the true exit at 4 comes before the predicted 6";
  EXPECT_EQ(json::parse(r.out)["predicted_exit_layer"], 6);
  r = run({"classify", "--model", m, "--task", "at4", "a fine film"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("4/12 layers"), std::string::npos) << r.out;
}

TEST(EarlyExitCli, FlagErrors) {
  const std::string m = fixture().model.string();
  expect_error(run({"classify", "--model", m, "--task", "at4", "--exit-threshold", "0.9", "x"}), 1, "ln 2");
  expect_error(run({"classify", "--model", m, "--task", "at4", "--exit-threshold", "-1", "x"}), 2, "--exit-threshold");
  expect_error(run({"classify", "--model", m, "--task", "at4", "--exit-threshold", "abc", "x"}), 2, "--exit-threshold");
  expect_error(run({"classify", "--model", m, "--task", "at4", "--exit-policy", "fastest", "x"}), 2, "--exit-policy");
  expect_error(run({"classify", "--model", m, "--task", "plain", "--exit-threshold", "0.2", "x"}), 1, "no off-ramps");
  expect_error(run({"eval", "--model", m, "--task", "at4", "--data", fixture().data.string(), "--trace",
                    (fixture().model / "no/such/dir/t.jsonl").string()}),
               1, "does not exist");
  expect_error(run({"eval", "--model", m, "--task", "at4", "--data", fixture().data.string(), "--trace",
                    fixture().model.string()}),
               1, "directory");
  expect_error(run({"eval", "--model", m, "--glue", "/tmp", "--trace", "t.jsonl"}), 2, "--trace");
  expect_error(run({"bench", "--model", m, "--task", "at4", "--exit-threshold", "5", "--iters", "1"}), 1, "ln 2");
}

TEST(EarlyExitCli, EvalJsonAndTrace) {
  const std::string m = fixture().model.string(), data = fixture().data.string();
  const fs::path trace = testing::temp_dir("early_exit_trace") / "trace.jsonl";
  auto r = run({"eval", "--model", m, "--task", "at4", "--data", data, "--json", "--trace", trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["layers"], 12);
  EXPECT_DOUBLE_EQ(j["mean_exit_layer"].get<double>(), 4.0);
  EXPECT_EQ(j["exit_policy"], "entropy");
  const auto recs = lines(testing::slurp(trace));
  ASSERT_EQ(recs.size(), 3u);
  for (size_t i = 0; i < recs.size(); ++i) {
    const json& t = recs[i];
    EXPECT_EQ(t["index"], i);
    EXPECT_EQ(t["task"], "at4");
    EXPECT_EQ(t["layers"], 12);
    EXPECT_EQ(t["layers_run"], 4);
    EXPECT_EQ(t["exit_layer"], 4);
    EXPECT_TRUE(t["predicted_exit_layer"].is_null()) << "policy entropy runs no predictor";
    ASSERT_EQ(t["entropies"].size(), 4u);
    ASSERT_EQ(t["per_layer"].size(), 4u);
    EXPECT_FALSE(t.contains("head")) << "it left by an off-ramp";
    const int T = t["tokens"];
    const json& l2 = t["per_layer"][1];
    EXPECT_EQ(l2["layer"], 2);
    ASSERT_EQ(l2["gemms"].size(), 6u);
    EXPECT_EQ(l2["gemms"][0]["op"], "attention.query");
    EXPECT_EQ(l2["gemms"][0]["weight"], "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight");
    EXPECT_EQ(l2["gemms"][0]["file"], "model");
    EXPECT_EQ(l2["gemms"][0]["shape"], json({T, 256, 256}));
    EXPECT_EQ(l2["gemms"][4]["shape"], json({T, 512, 256})) << "ffn [M, N, K]";
    EXPECT_GT(l2["gemms"][4]["density"].get<double>(), 0.99);
    const json& att = l2["attention"];
    EXPECT_EQ(att["heads"], 4);
    EXPECT_EQ(att["spans"], json({0, 1, 3, 500}));
    EXPECT_EQ(att["full_pairs"], 4 * T * T);
    EXPECT_EQ(att["pairs"][0], 0) << "window 0: no Q·K";
    EXPECT_EQ(att["pairs"][3], T * T);
    EXPECT_EQ(att["windows"], json({0, 1, 3, T - 1}));
    EXPECT_EQ(att["pairs"][1], T * 3 - 2) << "window 1 (z 1, R 1): T(2w + 1) − w(w + 1)";
    EXPECT_EQ(att["pairs"][2], T * 7 - 12) << "window 3";
    EXPECT_EQ(l2["offramp"]["kind"], "light");
    EXPECT_EQ(l2["offramp"]["gemms"][0]["weight"], "offramps.2.classifier.weight");
    EXPECT_EQ(l2["offramp"]["gemms"][0]["file"], "task");
    EXPECT_EQ(l2["offramp"]["gemms"][0]["shape"], json({1, 2, 256}));
    EXPECT_EQ(l2["offramp"]["exit"], false);
    EXPECT_EQ(t["per_layer"][3]["offramp"]["exit"], true);
  }
  // Without early exit the trace runs 12 layers and the task head.
  r = run({"eval", "--model", m, "--task", "at4", "--data", data, "--json", "--exit-threshold", "0", "--trace",
           trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_DOUBLE_EQ(json::parse(r.out)["mean_exit_layer"].get<double>(), 12.0);
  const auto full = lines(testing::slurp(trace));
  EXPECT_EQ(full[0]["per_layer"].size(), 12u);
  EXPECT_FALSE(full[0]["per_layer"][0].contains("offramp"));
  EXPECT_EQ(full[0]["head"]["gemms"][0]["weight"], "pooler.weight");
  EXPECT_EQ(full[0]["head"]["gemms"][1]["shape"], json({1, 2, 256}));
  // Adapter GEMMs are in the trace, with the pack's tensor names (one shared set: adapters.0).
  {
    testing::PackBuilder a;
    testing::add_checkpoint_head(a,
                                 SafetensorsFile(testing::source_dir() / "models/albert-tiny-sst2/model.safetensors"));
    testing::add_random_adapters(a, load_albert_config(fixture().model / "config.json"), 8, 1, 3);
    const fs::path md = testing::temp_dir("early_exit_adapters");
    testing::copy_dir(fixture().model, md);
    a.write(md / "tasks/adapted", "{" + kLabels + R"(, "adapter": )" + testing::adapter_json(8, "gelu", true) + "}");
    r = run({"eval", "--model", md.string(), "--task", "adapted", "--data", data, "--trace", trace.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const json g = lines(testing::slurp(trace))[0]["per_layer"][11]["gemms"];
    ASSERT_EQ(g.size(), 10u);
    EXPECT_EQ(g[4]["op"], "adapter.attention.down");
    EXPECT_EQ(g[4]["weight"], "adapters.0.attention.down.weight");
    EXPECT_EQ(g[4]["file"], "task");
    EXPECT_EQ(g[4]["shape"][1], 8);
    EXPECT_EQ(g[9]["op"], "adapter.ffn.up");
  }
  // Policies reach the trace.
  r = run({"eval", "--model", m, "--task", "at4", "--data", data, "--json", "--exit-policy", "accuracy-first",
           "--trace", trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto acc = lines(testing::slurp(trace));
  EXPECT_EQ(acc[0]["policy"], "accuracy-first");
  EXPECT_EQ(acc[0]["predicted_exit_layer"], 6) << "predicted after layer 2";
  EXPECT_EQ(acc[0]["exit_layer"], 4) << "the true exit comes first";
}

TEST(EarlyExitCli, BenchTimesTheTaskWithEarlyExit) {
  const std::string m = fixture().model.string();
  auto r = run({"bench", "--model", m, "--task", "at4", "--seq", "16", "--iters", "2", "--warmup", "0", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["exit_layer"], 4);
  r = run({"bench", "--model", m, "--task", "at4", "--exit-threshold", "0", "--seq", "16", "--iters", "2", "--warmup",
           "0", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["exit_layer"], 12);
}

}  // namespace
}  // namespace edgemt
