// edgemt report: the demo's results as one self-contained HTML page (inline SVG, no network).
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/demo_run.h"
#include "core/error.h"
#include "formats/safetensors.h"
#include "report/html_report.h"
#include "runtime/trace.h"

namespace edgemt::cli {

void add_report(CLI::App& app, Run& run) {
  struct Opts {
    DemoOptions demo;
    std::string out, from;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("report", "Write an HTML report: accuracy against exit layer, energy, area, memory map");
  sub->add_option("--out", o->out, "HTML file to write")->required();
  sub->add_option("--from", o->from, "Results of `edgemt demo --out FILE` (default: run the demo now)");
  sub->add_option("--model", o->demo.model, "Model directory, when running the demo (default: the bundled model)");
  sub->add_option("--glue", o->demo.glue, "GLUE directory, when running the demo");
  sub->add_option("--limit", o->demo.limit, "Only the first N examples of each task, when running the demo")
      ->check(CLI::Range(1, 1 << 30));
  sub->add_option("--threads", o->demo.threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
  sub->callback([&run, o] {
    run = [o] {
      check_output_path(o->out, "--out");
      nlohmann::json demo;
      if (!o->from.empty()) {
        std::ifstream in(o->from);
        if (!in) throw Error("--from '" + o->from + "': cannot read it");
        demo = nlohmann::json::parse(in, nullptr, false);
        if (demo.is_discarded()) throw Error("--from '" + o->from + "': not valid JSON");
      } else {
        o->demo.work = std::filesystem::temp_directory_path() / "edgemt-demo";
        demo = run_demo(o->demo);
      }
      const std::string html = report::render_html(demo);
      write_file_atomic(o->out, std::as_bytes(std::span(html.data(), html.size())));
      std::cout << "report → " << o->out << " (" << html.size() / 1024 << " KB)\n";
    };
  });
}

}  // namespace edgemt::cli
