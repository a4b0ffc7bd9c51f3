// edgemt demo: evaluate → trace → simulate → one JSON object; the table printed from it.
#include "cli/demo_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>

#include "cli/common.h"
#include "core/error.h"
#include "formats/compressed.h"
#include "formats/model_dir.h"
#include "formats/safetensors.h"
#include "runtime/evaluate.h"
#include "runtime/trace.h"
#include "sim/report.h"
#include "sim/simulator.h"

namespace edgemt::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The GLUE directory and what it is: the caller's, $GLUE_DIR, ../shared/glue, else the examples.
std::pair<fs::path, std::string> data_dir(const std::string& asked) {
  std::error_code ec;
  if (!asked.empty()) {
    if (!fs::is_directory(asked, ec)) throw Error("--glue '" + asked + "' is not a directory");
    return {asked, "GLUE dev sets"};
  }
  if (const char* env = std::getenv("GLUE_DIR"); env && *env) {
    if (!fs::is_directory(env, ec)) throw Error("GLUE_DIR '" + std::string(env) + "' is not a directory");
    return {env, "GLUE dev sets"};
  }
  for (const fs::path& p : {fs::path("../shared/glue"), repo_relative("../shared/glue")})
    if (fs::is_directory(p / "SST-2", ec)) return {p, "GLUE dev sets"};
  return {repo_relative("examples/glue"), "the project's example inputs (no GLUE directory found)"};
}

// Logical parameters of a safetensors file, by region_of.
std::map<std::string, double> parameters(const fs::path& file) {
  const SafetensorsFile f(file);
  const CompressedIndex& index = f.compressed_index();
  std::map<std::string, double> r;
  for (const auto& t : f.tensors()) {
    if (index.is_storage_only(t.name)) continue;
    const double n = static_cast<double>(index.contains(t.name) ? index.get(t.name).numel() : t.numel());
    r[region_of(t.name)] += n;
  }
  return r;
}

// The pipeline's own measurement of the uncompressed model on the same data, when the model ships it
// (results.json, docs/formats.md: {"tasks": {"<task>": {"examples": N, "uncompressed": {"<metric>": v}}}}).
// Only a measurement over the same number of examples is comparable (the whole GLUE dev set; not the
// shipped examples, not --limit); otherwise null.
json uncompressed_metric(const fs::path& model, const std::string& task, const std::string& metric, size_t examples) {
  std::error_code ec;
  const fs::path p = model / "results.json";
  if (!fs::exists(p, ec)) return nullptr;
  std::ifstream in(p);
  const json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw Error(p.string() + ": not valid JSON");
  if (!j.is_object() || !j.contains("tasks") || !j["tasks"].is_object() || !j["tasks"].contains(task)) return nullptr;
  const json& t = j["tasks"][task];
  if (!t.is_object() || !t.contains("examples") || !t["examples"].is_number_unsigned() ||
      t["examples"].get<size_t>() != examples)
    return nullptr;
  if (!t.contains("uncompressed") || !t["uncompressed"].is_object() || !t["uncompressed"].contains(metric)) return nullptr;
  const json& v = t["uncompressed"][metric];
  return v.is_number() ? v : json();
}

}  // namespace

json run_demo(const DemoOptions& o) {
  const fs::path model = o.model.empty() ? fs::path(default_model_dir()) : fs::path(o.model);
  const Engine engine(model, EngineOptions{.threads = o.threads});
  print_warnings(engine);
  const auto [glue_dir, data_kind] = data_dir(o.glue);
  fs::create_directories(o.work);
  std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  json demo = {{"model", model.string()}, {"data", glue_dir.string()}, {"data_kind", data_kind}, {"date", date},
               {"tasks", json::array()}};
  if (o.progress) std::fprintf(stderr, "edgemt demo: %s on %s (%s)\n", model.c_str(), glue_dir.c_str(), data_kind.c_str());

  sim::Trace trace;
  double pack_bytes = 0;
  int tasks = 0, classes_sum = 0;
  for (const auto& task : engine.tasks()) {
    const TaskInfo& info = engine.task_info(task);
    const glue::TaskSpec* spec = info.glue_task.empty() ? nullptr : glue::find_task(info.glue_task);
    if (!spec) continue;
    const fs::path data = glue_dir / spec->dir / spec->dev_file;
    EvalOptions eo;
    eo.limit = o.limit;
    if (info.predictor) eo.exit_policy = ExitPolicy::AccuracyFirst;  // CPU answers as `entropy`; traces get L̂ for DVFS
    if (o.progress) std::fprintf(stderr, "  %-6s %s …\n", task.c_str(), data.c_str());
    const EvalResult r = evaluate(engine, task, *spec, data, eo);
    const fs::path tf = o.work / (task + ".trace.jsonl");
    write_trace(engine, r, tf);
    sim::read_trace_file(tf.string(), trace);
    const std::string metric = r.metrics.empty() ? "" : r.metrics[0].first;
    const double value = r.metrics.empty() ? NAN : r.metrics[0].second;
    demo["tasks"].push_back({{"task", task},
                             {"glue_task", r.glue_task},
                             {"metric", metric},
                             {"value", std::isnan(value) ? json() : json(value)},
                             {"uncompressed", uncompressed_metric(model, task, metric, r.predictions.size())},
                             {"examples", r.predictions.size()},
                             {"mean_exit_layer", r.mean_exit_layer},
                             {"layers", r.layers},
                             {"ms_per_sentence", 1e3 * r.seconds / std::max<double>(1, r.predictions.size())}});
    std::error_code ec;
    const fs::path pack = model / "tasks" / task / "task.safetensors";
    if (fs::exists(pack, ec)) pack_bytes += static_cast<double>(fs::file_size(pack));
    ++tasks;
    classes_sum += info.regression ? 1 : static_cast<int>(info.labels.size());
  }
  if (tasks == 0) throw Error(model.string() + ": no task pack declares a GLUE task; the demo has nothing to run");

  // Memory: this model against one fully fine-tuned fp32 ALBERT per task (embeddings, encoder, pooler
  // and classifier; no MLM head).
  const AlbertConfig& c = engine.model_dir().config;
  const auto p = parameters(engine.model_dir().weights_path);
  const double H = c.hidden_size;
  const double backbone = p.count("embeddings") ? p.at("embeddings") : 0;
  const double encoder = p.count("shared layers") ? p.at("shared layers") : 0;
  const double separate = 4.0 * (tasks * (backbone + encoder + H * H + H) + (H + 1) * classes_sum);
  const double adapter = static_cast<double>(fs::file_size(engine.model_dir().weights_path)) + pack_bytes;
  demo["memory"] = {{"tasks", tasks}, {"backbone_bytes", fs::file_size(engine.model_dir().weights_path)},
                    {"packs_bytes", pack_bytes}, {"adapter_bytes", adapter}, {"separate_models_bytes", separate}};

  // The simulator on every traced sentence: adapter-ALBERT against one ALBERT per task, DVFS on and off.
  const fs::path dir = accel_dir();
  const sim::TechTable techs = sim::load_tech_table((dir / "memories.json").string());
  const sim::AccelSpec accel = sim::load_accel_spec((dir / "presets" / "edgebert-n16.json").string());
  sim::SimOptions so;
  so.tasks = tasks;
  so.latency_target_ns = o.latency_target_ms * 1e6;
  so.dims = {.vocab_size = c.vocab_size, .max_positions = c.max_position_embeddings, .type_vocab_size = c.type_vocab_size};
  demo["latency_target_ms"] = o.latency_target_ms;
  demo["sim"] = json::array();
  for (const std::string mapping : {"adapter-albert", "albert-per-task"}) {
    const sim::MappingSpec m = sim::load_mapping_spec((dir / "mappings" / (mapping + ".json")).string(), techs);
    for (const auto policy : {sim::DvfsPolicy::EdgeBert, sim::DvfsPolicy::None}) {
      so.policy = policy;
      json r = sim::to_json(sim::simulate(accel, techs, m, trace, so), false);
      r["label"] = mapping + (policy == sim::DvfsPolicy::EdgeBert ? ", DVFS" : ", nominal");
      demo["sim"].push_back(std::move(r));
    }
  }
  // The pipeline's threshold sweeps (`edgemt eval --glue … --sweep`), when the model ships them.
  std::error_code ec;
  if (fs::exists(model / "sweeps.json", ec)) {
    std::ifstream in(model / "sweeps.json");
    const json s = json::parse(in, nullptr, false);
    if (s.is_discarded() || !s.contains("sweeps")) throw Error((model / "sweeps.json").string() + ": not a sweep file");
    demo["sweeps"] = s["sweeps"];
  }
  return demo;
}

void print_demo_table(const json& d) {
  const auto find_run = [&](const std::string& label) -> const json* {
    for (const json& r : d["sim"])
      if (r["label"] == label) return &r;
    return nullptr;
  };
  const json* a = find_run("adapter-albert, DVFS");
  const json* b = find_run("albert-per-task, DVFS");
  std::printf("\n%-6s %-9s %10s %8s %11s %9s   %-23s %s\n", "task", "metric", "this model", "uncomp.", "exit layer",
              "CPU ms", "sim µJ/sentence (a / b)", "sim ms (a / b)");
  const auto task_sim = [](const json* r, const std::string& task, const char* key, double scale) {
    if (!r || !(*r)["fits"].get<bool>() || !(*r)["by_task"].contains(task)) return std::string("-");
    char buf[32];
    const double v = (*r)["by_task"][task][key].get<double>() * scale;
    std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f" : "%.2f", v);
    return std::string(buf);
  };
  for (const json& t : d["tasks"]) {
    const std::string task = t["task"];
    char unc[16] = "-", val[16] = "-";
    if (t["uncompressed"].is_number()) std::snprintf(unc, sizeof unc, "%.4f", t["uncompressed"].get<double>());
    if (t["value"].is_number()) std::snprintf(val, sizeof val, "%.4f", t["value"].get<double>());
    std::printf("%-6s %-9s %10s %8s %5.2f of %-2d %9.2f   %-23s %s\n", task.c_str(), t["metric"].get<std::string>().c_str(),
                val, unc, t["mean_exit_layer"].get<double>(), t["layers"].get<int>(), t["ms_per_sentence"].get<double>(),
                (task_sim(a, task, "mean_energy_pj", 1e-6) + " / " + task_sim(b, task, "mean_energy_pj", 1e-6)).c_str(),
                (task_sim(a, task, "mean_latency_ns", 1e-6) + " / " + task_sim(b, task, "mean_latency_ns", 1e-6)).c_str());
  }
  const json& m = d["memory"];
  std::printf("\nmemory   one backbone + %d task packs %.1f MB  vs  %d separate fp32 ALBERT models %.1f MB  (%.1f× smaller)\n",
              m["tasks"].get<int>(), m["adapter_bytes"].get<double>() / 1e6, m["tasks"].get<int>(),
              m["separate_models_bytes"].get<double>() / 1e6,
              m["separate_models_bytes"].get<double>() / std::max(1.0, m["adapter_bytes"].get<double>()));
  std::printf("accel    (a) adapter-ALBERT: backbone in ReRAM, task packs in SRAM; (b) one ALBERT per task in SRAM + DRAM;\n"
              "         edgebert-n16, per-sentence DVFS for a %.0f ms target\n",
              d["latency_target_ms"].get<double>());
  for (const json& r : d["sim"]) {
    const bool fits = r["fits"].get<bool>();
    std::printf("  %-26s area %6.2f mm²  ", r["label"].get<std::string>().c_str(), r["area_mm2"]["total_mm2"].get<double>());
    if (!fits) {
      std::printf("does not fit\n");
      continue;
    }
    std::printf("energy %8.0f µJ/sentence  latency %6.2f ms  deadline misses %ld of %ld\n",
                r["mean"]["energy_pj"].get<double>() * 1e-6, r["mean"]["latency_ns"].get<double>() * 1e-6,
                r["totals"]["deadline_misses"].get<long>(), r["sentences"].get<long>());
  }
}

}  // namespace edgemt::cli
