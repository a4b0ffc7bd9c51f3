// Where tests find their inputs: the source tree, ../shared (fixtures, GLUE), and the edgemt binary.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace edgemt::testing {

std::filesystem::path source_dir();
// ../shared beside the checkout (or $EDGEMT_SHARED_DIR); empty when absent (a user's clone).
std::filesystem::path shared_dir();
std::filesystem::path cli_path();
// A fresh, empty directory under the system temp dir, removed at process exit.
std::filesystem::path temp_dir(const std::string& name);

}  // namespace edgemt::testing

// Skips the current test with a clear message when ../shared is not there.
#define EDGEMT_REQUIRE_SHARED()                                                      \
  do {                                                                               \
    if (::edgemt::testing::shared_dir().empty())                                     \
      GTEST_SKIP() << "../shared not found (set EDGEMT_SHARED_DIR): fixture test skipped"; \
  } while (0)
