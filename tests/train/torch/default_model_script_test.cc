// scripts/make-default-model.sh end to end at toy scale (SMOKE=1): corpus → tokenizer → shard →
// pretraining → encoded GLUE → teachers → backbone pruning → EdgeBERT packs → baseline and its
// evaluation → AF8 model, every step on the CPU, then the engine serves the model it made.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

TEST(DefaultModelScript, SmokeRunMakesAModelTheEngineServes) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path work = testing::temp_dir("default-model-smoke");
  const fs::path log = work / "log.txt";
  using testing::shell_quote;
  const std::string cmd = "cd " + shell_quote(testing::source_dir().string()) + " && SMOKE=1 WORK=" +
                          shell_quote((work / "w").string()) + " EDGEMT=" + shell_quote(testing::cli_path().string()) +
                          " EDGEMT_TRAIN=" + shell_quote(EDGEMT_TRAIN_PATH) +
                          " GLUE_DIR=" + shell_quote((testing::shared_dir() / "glue").string()) +
                          " CORPUS_DIR=" + shell_quote((testing::shared_dir() / "corpus").string()) +
                          " bash scripts/make-default-model.sh >" + shell_quote(log.string()) + " 2>&1 </dev/null";
  const int rc = std::system(cmd.c_str());
  const std::string out = testing::slurp(log);
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << out.substr(out.size() > 4000 ? out.size() - 4000 : 0);
  for (const char* step : {"corpus", "tokenizer", "shard", "pretrain", "encode", "teachers", "prune", "packs", "baseline",
                           "baseline-eval", "model"})
    EXPECT_NE(out.find("make-default-model: [" + std::string(step) + "] done in"), std::string::npos) << step;

  const fs::path model = work / "w" / "model";
  for (const char* t : {"sst2", "mrpc", "stsb", "rte", "cola"})
    EXPECT_TRUE(fs::exists(model / "tasks" / t / "task.safetensors")) << t;
  // SST-2's off-ramps were trained with its adapters (the shipped recipe), the backbone is pruned AF8.
  const json eb = json::parse(testing::slurp(model / "tasks/sst2/edgebert.json"));
  EXPECT_EQ(eb["stage1"]["joint_ramps"].get<double>(), 1.0);
  const json results = json::parse(testing::slurp(model / "results.json"));
  EXPECT_EQ(results["tasks"].size(), 5u) << results;
  const json sweeps = json::parse(testing::slurp(model / "sweeps.json"));
  EXPECT_EQ(sweeps["sweeps"].size(), 4u);  // the classification tasks

  auto r = testing::run({"classify", "--model", model.string(), "--task", "sst2", "--json", "a gripping , funny film ."});
  ASSERT_EQ(r.status, 0) << r.err;
  const json c = json::parse(r.out.substr(r.out.find('{')));
  EXPECT_TRUE(c.contains("label")) << c;
  // The shared layer is stored as 8-bit codes, half of them zeros in bitmask form: under 1 byte per
  // parameter (fp32 would be 4).
  r = testing::run({"info", "--model", model.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto at = r.out.find("shared layers");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream line(r.out.substr(at + std::string("shared layers").size()));
  long tensors = 0, params = 0, bytes = 0;
  line >> tensors >> params >> bytes;
  EXPECT_GT(params, 0) << r.out;
  EXPECT_LT(bytes, params) << r.out;
}

}  // namespace
}  // namespace edgemt
