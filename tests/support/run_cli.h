// Running the edgemt binary from tests: exit status, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace edgemt::testing {

struct Result {
  int status = -1;
  std::string out, err;
};

Result run(const std::vector<std::string>& args);
// s as one single-quoted shell word.
std::string shell_quote(const std::string& s);
std::string slurp(const std::filesystem::path& p);

}  // namespace edgemt::testing
