// The committed backbone's task packs (models/edgemt-albert-base/tasks/*) in the engine reproduce
// the dev metric the trainer recorded for them (finetune.json), on the real GLUE dev sets. The
// trainer evaluated under fp16 autocast on the GPU, the engine runs fp32 from the fp16-stored pack,
// so a handful of borderline predictions may flip: the bound is 3 examples' worth of accuracy.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "edgemt/engine.h"
#include "runtime/evaluate.h"
#include "support/paths.h"
#include "text/glue_tasks.h"

namespace edgemt {
namespace {

const std::filesystem::path kModel = "models/edgemt-albert-base";

double recorded_best(const std::string& task) {
  std::ifstream in(testing::source_dir() / kModel / "tasks" / task / "finetune.json");
  return nlohmann::json::parse(in).at("best").get<double>();
}

class BackbonePacks : public ::testing::TestWithParam<const char*> {};

TEST_P(BackbonePacks, EngineReproducesTrainerDevMetric) {
  EDGEMT_REQUIRE_SHARED();
  const std::string task = GetParam();
  static const Engine engine(testing::source_dir() / kModel);
  const glue::TaskSpec* spec = glue::find_task(task);
  ASSERT_NE(spec, nullptr);
  const auto dev = testing::shared_dir() / "glue" / spec->dir / "dev.tsv";
  const EvalResult r = evaluate(engine, task, *spec, dev);
  ASSERT_FALSE(r.metrics.empty());
  const auto& [name, value] = r.metrics.front();
  EXPECT_EQ(name, nlohmann::json::parse(std::ifstream(testing::source_dir() / kModel / "tasks" / task / "task.json"))
                      .at("metric")
                      .get<std::string>());
  EXPECT_NEAR(value, recorded_best(task), 3.0 / static_cast<double>(r.predictions.size()))
      << task << " " << name << " over " << r.predictions.size() << " dev examples";
}

// SST-2 and CoLA: the classification tasks with the most dev examples that finish in ~50 s here.
INSTANTIATE_TEST_SUITE_P(Committed, BackbonePacks, ::testing::Values("sst2", "cola"));

}  // namespace
}  // namespace edgemt
