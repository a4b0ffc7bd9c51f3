// edgemt simulate: replay traces of `edgemt eval --trace` on an EdgeBERT-class accelerator with a
// memory mapping and a DVFS policy (docs/simulator.md); several mappings or policies → a comparison.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "formats/config.h"
#include "sim/report.h"
#include "sim/simulator.h"

namespace edgemt::cli {

namespace {

namespace fs = std::filesystem;

struct Opts {
  std::string accel, mapping, dvfs = "none", memories, csv, model;
  std::vector<std::string> traces;
  long tasks = 0;
  double latency_target_ms = 0;
  bool json = false;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// A preset name (a file in `folder`) or a path to a JSON file.
std::string resolve(const std::string& value, const fs::path& folder, const std::string& option) {
  std::error_code ec;
  if (fs::is_regular_file(value, ec)) return value;
  const fs::path preset = folder / (value + ".json");
  if (value.find('/') == std::string::npos && fs::is_regular_file(preset, ec)) return preset.string();
  std::string names;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.path().extension() == ".json") names += (names.empty() ? "" : ", ") + e.path().stem().string();
  throw Error(option + " '" + value + "': no such file or preset (presets: " + (names.empty() ? "none found" : names) +
              ")");
}

void run(const Opts& o) {
  const fs::path dir = accel_dir();
  const sim::TechTable techs = sim::load_tech_table(o.memories.empty() ? (dir / "memories.json").string() : o.memories);
  const sim::AccelSpec accel = sim::load_accel_spec(resolve(o.accel, dir / "presets", "--accel"));
  std::vector<sim::MappingSpec> mappings;
  for (const auto& m : split(o.mapping))
    mappings.push_back(sim::load_mapping_spec(resolve(m, dir / "mappings", "--mapping"), techs));
  std::vector<sim::DvfsPolicy> policies;
  for (const auto& p : split(o.dvfs)) {
    try {
      policies.push_back(sim::parse_dvfs_policy(p));
    } catch (const Error& e) {
      throw UsageError(std::string("--dvfs: ") + e.what());
    }
    if (policies.back() == sim::DvfsPolicy::EdgeBert && o.latency_target_ms <= 0)
      throw UsageError("--dvfs edgebert needs --latency-target-ms");
  }
  if (mappings.empty() || policies.empty()) throw UsageError("--mapping and --dvfs need at least one value");
  sim::Trace trace;
  for (const auto& t : o.traces) sim::read_trace_file(t, trace);
  sim::SimOptions so;
  so.tasks = o.tasks;
  so.latency_target_ns = o.latency_target_ms * 1e6;
  if (!o.model.empty()) {
    const AlbertConfig c = load_albert_config(fs::path(o.model) / "config.json");
    so.dims = {.vocab_size = c.vocab_size, .max_positions = c.max_position_embeddings,
               .type_vocab_size = c.type_vocab_size};
  }

  std::vector<sim::SimResult> runs;
  for (const auto& m : mappings)
    for (const auto p : policies) {
      so.policy = p;
      runs.push_back(sim::simulate(accel, techs, m, trace, so));
    }
  if (!o.csv.empty()) {
    std::ofstream csv(o.csv);
    if (!csv) throw Error(o.csv + ": cannot write the CSV file");
    for (size_t i = 0; i < runs.size(); ++i) sim::write_csv(csv, runs[i], i == 0);
    if (!csv) throw Error(o.csv + ": write failed");
  }
  if (o.json) {
    for (const auto& r : runs) std::cout << sim::to_json(r, true).dump() << "\n";
    return;
  }
  if (runs.size() == 1) {
    sim::print_run(std::cout, runs[0]);
    return;
  }
  sim::print_comparison(std::cout, runs);
  std::cout << "\n(latency, energy: mean per sentence; power: energy / busy time; area: on-chip, memories included)\n";
}

}  // namespace

void add_simulate(CLI::App& app, Run& run_fn) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand(
      "simulate", "Replay eval traces on an EdgeBERT-class accelerator: latency, energy, power, area (docs/simulator.md)");
  sub->add_option("--accel", o->accel, "Accelerator: a preset (edgebert-n16, edgebert-n32) or a spec JSON file")
      ->required();
  sub->add_option("--mapping", o->mapping,
                  "Memory mapping: a preset (albert-per-task, adapter-albert, all-sram) or a JSON file; "
                  "several, comma-separated, give a comparison")
      ->required();
  sub->add_option("--trace", o->traces, "Trace from edgemt eval --trace (repeat for several tasks)")->required();
  sub->add_option("--tasks", o->tasks, "Task packs resident in memory (default: the tasks in the traces)")
      ->check(CLI::Range(1L, 100000L));
  sub->add_option("--latency-target-ms", o->latency_target_ms,
                  "Per-sentence latency target in ms: DVFS aims at it; idle time up to it leaks in volatile memories")
      ->check(CLI::PositiveNumber);
  sub->add_option("--dvfs", o->dvfs, "none (fixed nominal V, f; default) or edgebert (latency-bounded); "
                                      "none,edgebert compares both");
  sub->add_flag("--json", o->json, "One JSON object per run: totals, means, per task and per sentence (units in names)");
  sub->add_option("--csv", o->csv, "Write one CSV row per sentence and run to this file");
  sub->add_option("--memories", o->memories, "Memory-technology table (default: data/accel/memories.json)");
  sub->add_option("--model", o->model, "Model directory: embedding table sizes from its config.json "
                                        "(default: ALBERT-base, V 30000, 512 positions)");
  sub->callback([&run_fn, o] { run_fn = [o] { run(*o); }; });
}

}  // namespace edgemt::cli
