// The bundled demo model against transformers: token ids and logits for the 20 SST-2 dev
// sentences recorded in models/albert-tiny-sst2/dev_predictions.json.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgemt/engine.h"
#include "support/paths.h"
#include "text/tokenizer.h"

namespace edgemt {
namespace {

TEST(DemoModel, MatchesTransformersOnRecordedDevSentences) {
  const auto dir = testing::source_dir() / "models/albert-tiny-sst2";
  std::ifstream in(dir / "dev_predictions.json");
  const auto ref = nlohmann::json::parse(in);
  Engine engine(dir);
  ASSERT_EQ(engine.tasks(), std::vector<std::string>{"default"});
  size_t n = 0;
  for (const auto& ex : ref["examples"]) {
    const std::string text = ex["text"];
    SCOPED_TRACE(text);
    EXPECT_EQ(engine.tokenizer().encode(text, std::nullopt, 64).ids, ex["input_ids"].get<std::vector<int32_t>>());
    const Prediction p = engine.classify("default", text);
    const auto want = ex["logits"].get<std::vector<float>>();
    ASSERT_EQ(p.logits.size(), want.size());
    const float max_ref = std::max(std::fabs(want[0]), std::fabs(want[1]));
    for (size_t i = 0; i < want.size(); ++i) EXPECT_LE(std::fabs(p.logits[i] - want[i]), 1e-4f * max_ref);
    EXPECT_EQ(p.label, ex["label"].get<std::string>());
    ++n;
  }
  EXPECT_EQ(n, 20u);
}

}  // namespace
}  // namespace edgemt
