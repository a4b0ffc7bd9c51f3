// `edgemt train mlm-eval` on the committed backbone: deterministic per seed, sensible accuracy, and
// named errors. (`train finetune` is tested with the trainer, tests/train/torch.)
#include <gtest/gtest.h>

#include <fstream>

#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

fs::path backbone() { return testing::source_dir() / "models/edgemt-albert-base"; }

// Plain sentences written for this test (not from any corpus).
fs::path write_text(const fs::path& dir) {
  const char* subjects[] = {"the teacher", "my brother", "the old man", "a young girl", "the doctor", "our neighbour"};
  const char* verbs[] = {"walked to", "looked at", "talked about", "drove to", "thought about", "painted"};
  const char* objects[] = {"the river", "the new school", "the small house", "the city", "the red car", "the garden"};
  const fs::path p = dir / "text.txt";
  std::ofstream out(p);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      out << subjects[i] << " " << verbs[j] << " " << objects[(i + j) % 6] << " in the morning.\n";
  return p;
}

TEST(TrainCli, MlmEvalIsDeterministicAndBeatsChance) {
  const fs::path dir = testing::temp_dir("mlm-eval");
  const fs::path text = write_text(dir);
  const std::vector<std::string> args = {"train", "mlm-eval", "--model", backbone().string(), "--text", text.string(),
                                         "--sequences", "16", "--seq", "48", "--json"};
  const auto a = testing::run(args);
  ASSERT_EQ(a.status, 0) << a.err;
  const auto b = testing::run(args);
  EXPECT_EQ(a.out, b.out) << "same seed, same result";
  auto other = args;
  other.insert(other.end(), {"--seed", "7"});
  const auto c = testing::run(other);
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(a.out, c.out) << "another seed masks other pieces";
  // {"sequences": 16, "masked": N, "mlm_accuracy": X, ...}: a pretrained backbone predicts many of
  // these plain words (chance is 1 in 30,000).
  const auto at = a.out.find("\"mlm_accuracy\": ");
  ASSERT_NE(at, std::string::npos) << a.out;
  const double acc = std::stod(a.out.substr(at + 16));
  EXPECT_GT(acc, 0.2) << a.out;
  EXPECT_LE(acc, 1.0);
  EXPECT_NE(a.out.find("\"sequences\": 16"), std::string::npos) << a.out;
}

TEST(TrainCli, MlmEvalErrorsNameTheProblem) {
  const fs::path dir = testing::temp_dir("mlm-eval-bad");
  const fs::path text = write_text(dir);
  // A classifier checkpoint has no masked-LM head.
  auto r = testing::run({"train", "mlm-eval", "--model", (testing::source_dir() / "models/albert-tiny-sst2").string(),
                         "--text", text.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no masked-LM head"), std::string::npos) << r.err;
  r = testing::run({"train", "mlm-eval", "--model", backbone().string(), "--text", (dir / "absent.txt").string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("absent.txt"), std::string::npos) << r.err;
  {
    std::ofstream(dir / "bad.txt") << "caf\xc3 au lait\n";
  }
  r = testing::run({"train", "mlm-eval", "--model", backbone().string(), "--text", (dir / "bad.txt").string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.txt"), std::string::npos) << r.err;
  r = testing::run({"train", "mlm-eval", "--model", backbone().string(), "--text", text.string(), "--seq", "600"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--seq"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace edgemt
