// Default model resolution: $EDGEMT_MODEL, else the bundled model next to the binary's source tree.
#include "cli/common.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace edgemt::cli {

std::string default_model_dir() {
  if (const char* env = std::getenv("EDGEMT_MODEL"); env && *env) return env;
  namespace fs = std::filesystem;
  // build/bin/edgemt → <repo>/models/albert-tiny-sst2 (the interim bundled model)
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    if (fs::exists(p / "models" / "albert-tiny-sst2" / "config.json", ec))
      return (p / "models" / "albert-tiny-sst2").string();
  }
  return "models/albert-tiny-sst2";
}

void print_warnings(const Engine& engine) {
  for (const auto& w : engine.warnings()) std::cerr << "edgemt: warning: " << w << "\n";
}

}  // namespace edgemt::cli
