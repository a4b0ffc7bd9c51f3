// edgemt eval as a user runs it: metrics agree with classify, GLUE dirs over task packs,
// submission files, and one-line errors for malformed TSV.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/safetensors.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run;

fs::path demo_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }
fs::path sst2_dev() { return testing::shared_dir() / "glue/SST-2/dev.tsv"; }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, sep);) out.push_back(part);
  return out;
}

void expect_error(const testing::Result& r, const std::string& needle) {
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err.rfind("edgemt: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

TEST(Eval, MetricEqualsTheOneComputedFromClassify) {
  EDGEMT_REQUIRE_SHARED();
  const size_t n = 40;
  const auto r = run({"eval", "--model", demo_model().string(), "--data", sst2_dev().string(), "--limit",
                      std::to_string(n), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["examples"], n);
  EXPECT_EQ(j["glue_task"], "sst2") << "the demo model's config names its finetuning_task";
  for (const char* k : {"accuracy", "examples_per_s", "mean_tokens"}) EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"f1", "mcc", "pearson", "spearman"}) EXPECT_FALSE(j.contains(k)) << k;

  const auto rows = split(testing::slurp(sst2_dev()), '\n');
  size_t correct = 0, tokens = 0;
  for (size_t i = 1; i <= n; ++i) {
    const auto cols = split(rows[i], '\t');
    const auto c = run({"classify", "--model", demo_model().string(), "--json", cols[0]});
    ASSERT_EQ(c.status, 0) << c.err;
    const json p = json::parse(c.out);
    correct += p["label_id"].get<int>() == std::stoi(cols[1]);
    tokens += p["tokens"].get<size_t>();
  }
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), static_cast<double>(correct) / n);
  EXPECT_DOUBLE_EQ(j["mean_tokens"].get<double>(), static_cast<double>(tokens) / n);
}

TEST(Eval, HandMadeFileWithoutSharedData) {
  const fs::path d = testing::temp_dir("eval_hand");
  testing::write_text(d / "dev.tsv",
                      "sentence\tlabel\na warm , funny and wise film .\t1\nthe dullest movie of the year .\t0\n"
                      "a triumph of style over substance , and bored me stiff .\t0\n");
  const auto r = run({"eval", "--model", demo_model().string(), "--data", (d / "dev.tsv").string(), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["examples"], 3);
  const double acc = j["accuracy"];
  EXPECT_TRUE(acc == 0.0 || acc == 1.0 / 3 || acc == 2.0 / 3 || acc == 1.0) << acc;
}

TEST(Eval, PredictWritesAGlueSubmissionFile) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path out = testing::temp_dir("eval_predict") / "SST-2.tsv";
  const auto r = run({"eval", "--model", demo_model().string(), "--data",
                      (testing::shared_dir() / "glue/SST-2/test.tsv").string(), "--limit", "12", "--predict", out.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = split(testing::slurp(out), '\n');
  ASSERT_EQ(rows.size(), 13u);
  EXPECT_EQ(rows[0], "index\tprediction");
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto cols = split(rows[i], '\t');
    ASSERT_EQ(cols.size(), 2u) << rows[i];
    EXPECT_EQ(cols[0], std::to_string(i - 1));
    EXPECT_TRUE(cols[1] == "0" || cols[1] == "1") << rows[i];
  }
  EXPECT_NE(r.out.find("unlabelled"), std::string::npos) << r.out;
}

// A model directory with the demo model's head also saved as a task pack "sentiment".
fs::path model_with_task_pack() {
  const fs::path d = testing::temp_dir("eval_packs");
  testing::copy_dir(demo_model(), d);
  fs::create_directories(d / "tasks/sentiment");
  SafetensorsFile src(demo_model() / "model.safetensors");
  std::vector<TensorToWrite> head;
  for (const char* n : {"albert.pooler.weight", "albert.pooler.bias", "classifier.weight", "classifier.bias"}) {
    const TensorInfo* t = src.find(n);
    std::string name = n;
    if (name.rfind("albert.", 0) == 0) name = name.substr(7);
    head.push_back({name, t->dtype, t->shape, src.data(*t)});
  }
  write_safetensors(d / "tasks/sentiment/task.safetensors", head);
  testing::write_text(d / "tasks/sentiment/task.json", R"({"glue_task": "SST-2", "labels": ["negative", "positive"]})");
  return d;
}

TEST(Eval, GlueDirectoryEvaluatesEveryTaskPack) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path model = model_with_task_pack();
  const auto r = run({"eval", "--model", model.string(), "--glue", (testing::shared_dir() / "glue").string(),
                      "--limit", "50", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = split(r.out, '\n');
  ASSERT_EQ(lines.size(), 2u) << r.out;
  const json a = json::parse(lines[0]), b = json::parse(lines[1]);
  EXPECT_EQ(a["task"], "default");
  EXPECT_EQ(b["task"], "sentiment");
  EXPECT_EQ(b["glue_task"], "sst2");
  EXPECT_EQ(a["accuracy"], b["accuracy"]) << "same head, same backbone";
  const auto table = run({"eval", "--model", model.string(), "--glue", (testing::shared_dir() / "glue").string(), "--limit", "20"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("sentiment"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("accuracy"), std::string::npos) << table.out;
}

TEST(Eval, TaskPackClassifiesLikeTheCheckpointHead) {
  const fs::path model = model_with_task_pack();
  const std::string text = "an utterly charming and hilarious film";
  const auto a = run({"classify", "--model", model.string(), "--task", "default", "--json", text});
  const auto b = run({"classify", "--model", model.string(), "--task", "sentiment", "--json", text});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(json::parse(a.out)["probs"], json::parse(b.out)["probs"]);
  EXPECT_EQ(json::parse(b.out)["task"], "sentiment");
  const auto info = run({"info", "--model", model.string(), "--json"});
  ASSERT_EQ(info.status, 0) << info.err;
  const json j = json::parse(info.out);
  EXPECT_EQ(j["regions"]["task sentiment"]["parameters"], j["regions"]["task head"]["parameters"]);
  EXPECT_EQ(j["tasks"][1]["glue_task"], "sst2");
  expect_error(run({"classify", "--model", model.string(), "--task", "nope", text}), "sentiment");
  expect_error(run({"classify", "--model", model.string(), text}), "--task");
}

TEST(Eval, DumpUsesTheChosenTaskHead) {
  const fs::path model = model_with_task_pack();
  const fs::path d = testing::temp_dir("dump_task");
  const std::string text = "a gorgeous , witty , seductive movie .";
  ASSERT_EQ(run({"dump", "--model", model.string(), "--task", "sentiment", "--out", (d / "a.safetensors").string(), text}).status, 0);
  ASSERT_EQ(run({"dump", "--model", model.string(), "--out", (d / "b.safetensors").string(), text}).status, 0);
  SafetensorsFile a(d / "a.safetensors"), b(d / "b.safetensors");
  for (const char* n : {"pooled", "logits"}) {
    const auto x = a.data(*a.find(n)), y = b.data(*b.find(n));
    ASSERT_EQ(x.size(), y.size()) << n;
    const auto* fx = reinterpret_cast<const float*>(x.data());
    const auto* fy = reinterpret_cast<const float*>(y.data());
    for (size_t i = 0; i < x.size() / 4; ++i) EXPECT_NEAR(fx[i], fy[i], 1e-5f) << n << "[" << i << "]";
  }
  EXPECT_NE(run({"dump", "--model", model.string(), "--task", "nope", "--out", (d / "c.safetensors").string(), text}).status, 0);
  EXPECT_FALSE(fs::exists(d / "c.safetensors")) << "no partial file on error";
}

TEST(Eval, DeclaredMetricLeadsAndMustBelongToTheGlueTask) {
  const fs::path model = model_with_task_pack();
  const fs::path d = testing::temp_dir("eval_metric");
  testing::write_text(d / "dev.tsv",
                      "#1 String\t#2 String\tQuality\nthe cat sat .\tthe cat was sitting .\t1\n"
                      "it rained .\tprices rose sharply .\t0\nhe left early .\the went home early .\t1\n");
  testing::write_text(model / "tasks/sentiment/task.json", R"({"glue_task": "mrpc", "labels": ["a", "b"], "metric": "accuracy"})");
  const auto r = run({"eval", "--model", model.string(), "--task", "sentiment", "--data", (d / "dev.tsv").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_LT(r.out.find("accuracy"), r.out.find("f1")) << "declared headline first: " << r.out;
  testing::write_text(model / "tasks/sentiment/task.json", R"({"glue_task": "mrpc", "labels": ["a", "b"], "metric": "mcc"})");
  expect_error(run({"eval", "--model", model.string(), "--task", "sentiment", "--data", (d / "dev.tsv").string()}), "mcc");
}

TEST(Eval, BadTaskPacksAreNamed) {
  const fs::path model = model_with_task_pack();
  testing::write_text(model / "tasks/sentiment/task.json", R"({"glue_task": "sst9", "labels": ["a", "b"]})");
  expect_error(run({"classify", "--model", model.string(), "--task", "default", "x"}), "glue_task");
  testing::write_text(model / "tasks/sentiment/task.json", R"({"labels": ["a", "b", "c"]})");
  expect_error(run({"classify", "--model", model.string(), "--task", "default", "x"}), "classifier.weight");
  testing::write_text(model / "tasks/sentiment/task.json", R"({"labels": "ab"})");
  expect_error(run({"classify", "--model", model.string(), "--task", "default", "x"}), "labels");
  testing::write_text(model / "tasks/sentiment/task.json", R"({"labels": ["a", "b"], "metric": "bleu"})");
  expect_error(run({"classify", "--model", model.string(), "--task", "default", "x"}), "metric");
}

TEST(Eval, MalformedFilesAreOneLineErrorsWithFileAndLine) {
  const fs::path d = testing::temp_dir("eval_bad");
  const std::string m = demo_model().string();
  testing::write_text(d / "cols.tsv", "sentence\tlabel\ngood film\t1\nbad film\n");
  expect_error(run({"eval", "--model", m, "--data", (d / "cols.tsv").string()}), "cols.tsv:3");
  testing::write_text(d / "label.tsv", "sentence\tlabel\ngood film\tpositive\n");
  expect_error(run({"eval", "--model", m, "--data", (d / "label.tsv").string()}), "label.tsv:2");
  testing::write_text(d / "header.tsv", "sentence\tlabel\n");
  expect_error(run({"eval", "--model", m, "--data", (d / "header.tsv").string()}), "only a header");
  testing::write_text(d / "noheader.tsv", "good film\t1\n");
  expect_error(run({"eval", "--model", m, "--data", (d / "noheader.tsv").string()}), "noheader.tsv:1");
  testing::write_text(d / "stsb.tsv",
                      "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
                      "0\tg\tf\t2012\t1\tnone\tnone\ta man\ta man\tfive\n");
  // The demo model classifies; STS-B needs regression: the mismatch is reported before reading.
  expect_error(run({"eval", "--model", m, "--data", (d / "stsb.tsv").string(), "--glue-task", "stsb"}), "regression");
  expect_error(run({"eval", "--model", m, "--data", (d / "x.tsv").string(), "--glue-task", "sst9"}), "sst9");
  expect_error(run({"eval", "--model", m, "--data", (d / "missing.tsv").string()}), "missing.tsv");
  const auto usage = run({"eval", "--model", m});
  EXPECT_EQ(usage.status, 2) << usage.err;
}

}  // namespace
}  // namespace edgemt
