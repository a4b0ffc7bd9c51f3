// edgemt demo: the main job on the default model (see demo_run.h), one table; --json for scripts.
#include <iostream>

#include "cli/commands.h"
#include "cli/demo_run.h"
#include "core/error.h"
#include "formats/safetensors.h"

namespace edgemt::cli {

void add_demo(CLI::App& app, Run& run) {
  struct Opts {
    DemoOptions demo;
    std::string out;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand(
      "demo", "Every task of the model through one engine on its GLUE dev set, then the accelerator simulator on the traces");
  sub->add_option("--model", o->demo.model, "Model directory (default: the bundled model)");
  sub->add_option("--glue", o->demo.glue, "GLUE directory (default: $GLUE_DIR, else ../shared/glue, else examples/glue)");
  sub->add_option("--limit", o->demo.limit, "Only the first N examples of each task")->check(CLI::Range(1, 1 << 30));
  sub->add_option("--threads", o->demo.threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
  sub->add_option("--latency-target-ms", o->demo.latency_target_ms, "Per-sentence latency target of the simulated DVFS")
      ->check(CLI::PositiveNumber);
  sub->add_option("--work", o->demo.work, "Folder for the traces (default: $TMPDIR/edgemt-demo)");
  sub->add_option("--out", o->out, "Also write the results as JSON here (input of `edgemt report --from`)");
  sub->add_flag("--json", o->json, "Print the results as one JSON object instead of the table");
  sub->callback([&run, o] {
    run = [o] {
      if (o->demo.work.empty()) o->demo.work = std::filesystem::temp_directory_path() / "edgemt-demo";
      const nlohmann::json d = run_demo(o->demo);
      if (!o->out.empty()) {
        const std::string text = d.dump(1) + "\n";
        write_file_atomic(o->out, std::as_bytes(std::span(text.data(), text.size())));
      }
      if (o->json) std::cout << d.dump() << "\n";
      else print_demo_table(d);
    };
  });
}

}  // namespace edgemt::cli
