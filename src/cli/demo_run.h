// The main job (`edgemt demo`, `make demo`): every task of a model through one engine on its GLUE dev
// set (or the project's example inputs), then the accelerator simulator on the sentences' traces for
// the adapter-ALBERT and per-task ALBERT memory mappings. Results as JSON (docs/formats.md "Demo
// results"), which `edgemt report` renders.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace edgemt::cli {

struct DemoOptions {
  std::string model;                 // empty: the default model
  std::string glue;                  // empty: $GLUE_DIR, else ../shared/glue, else examples/glue
  std::filesystem::path work;        // traces go here
  size_t limit = 0;                  // examples per task; 0: all
  int threads = 0;
  double latency_target_ms = 20;     // per sentence, for DVFS (docs/simulator.md)
  bool progress = true;              // a line per task on stderr
};

nlohmann::json run_demo(const DemoOptions& options);

// The table people read, from run_demo's results.
void print_demo_table(const nlohmann::json& demo);

}  // namespace edgemt::cli
