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
// `cmd` run by /bin/sh (quote its words with shell_quote), stdin empty.
Result run_shell(const std::string& cmd);
// s as one single-quoted shell word.
std::string shell_quote(const std::string& s);
std::string slurp(const std::filesystem::path& p);

}  // namespace edgemt::testing
