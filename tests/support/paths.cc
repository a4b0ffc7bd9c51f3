// Test input locations, resolved once from the compile-time source dir and the environment.
#include "support/paths.h"

#include <cstdlib>
#include <unistd.h>

namespace edgemt::testing {

namespace fs = std::filesystem;

fs::path source_dir() { return fs::path(EDGEMT_SOURCE_DIR); }

fs::path shared_dir() {
  if (const char* env = std::getenv("EDGEMT_SHARED_DIR"); env && *env) return fs::path(env);
  fs::path p = source_dir().parent_path() / "shared";
  return fs::exists(p / "fixtures") ? p : fs::path();
}

fs::path cli_path() { return fs::path(EDGEMT_CLI_PATH); }

fs::path temp_dir(const std::string& name) {
  static const fs::path root = [] {
    fs::path r = fs::temp_directory_path() / ("edgemt-test-" + std::to_string(::getpid()));
    fs::create_directories(r);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / ("edgemt-test-" + std::to_string(::getpid())), ec);
    });
    return r;
  }();
  fs::path d = root / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace edgemt::testing
