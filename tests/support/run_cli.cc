// Runs build/bin/edgemt (or any command) through the shell, output captured in temp files.
#include "support/run_cli.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "support/paths.h"

namespace edgemt::testing {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

Result run_shell(const std::string& cmd) {
  static int n = 0;
  std::string name = "cli_run";
  name += std::to_string(n++);
  const std::filesystem::path dir = temp_dir(name);
  const std::string full =
      cmd + " >" + shell_quote((dir / "out").string()) + " 2>" + shell_quote((dir / "err").string()) + " </dev/null";
  const int rc = std::system(full.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out"), slurp(dir / "err")};
}

Result run(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(cli_path().string());
  for (const auto& a : args) {
    cmd += ' ';
    cmd += shell_quote(a);
  }
  return run_shell(cmd);
}

}  // namespace edgemt::testing
