// Replays the loader fuzzer's inputs: the valid seeds must load and run; every crasher the fuzzer
// ever found (tests/data/fuzz-regressions/crash-*) must now be rejected cleanly or load.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "fuzz/model_loader_harness.h"
#include "support/paths.h"

namespace edgemt {
namespace {

std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(FuzzRegressions, ValidSeedsLoadAndCrashersAreHandled) {
  const auto dir = testing::source_dir() / "tests/data/fuzz-regressions";
  int valid = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto bytes = read_bytes(e.path());
    const std::string name = e.path().filename().string();
    SCOPED_TRACE(name);
    const bool loaded = fuzz::load_model_blob(bytes.data(), bytes.size());
    if (name.rfind("valid-", 0) == 0) {
      EXPECT_TRUE(loaded) << "a valid seed was rejected";
      ++valid;
      // Every strict prefix of a valid model is malformed and must be rejected, not crash.
      for (size_t cut : {size_t{1}, size_t{40}, bytes.size() / 2, bytes.size() - 1})
        EXPECT_FALSE(fuzz::load_model_blob(bytes.data(), cut)) << "prefix of " << cut << " bytes";
    }
  }
  EXPECT_GE(valid, 3);
}

}  // namespace
}  // namespace edgemt
