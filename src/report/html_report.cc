// The report page: sections in reading order, each a table or an SVG chart built from the demo JSON.
#include "report/html_report.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "report/svg.h"

namespace edgemt::report {
namespace {

using nlohmann::json;

const json& need(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw Error("report: " + where + " has no field '" + key + "'");
  return j[key];
}

std::string str(const json& j, const char* key, const std::string& where) {
  const json& v = need(j, key, where);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

double num(const json& j, const char* key, const std::string& where) {
  const json& v = need(j, key, where);
  if (!v.is_number()) throw Error("report: " + where + " field '" + key + "' must be a number");
  return v.get<double>();
}

std::string cell(const json& v, int digits = 3) {
  if (v.is_null()) return "–";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());  // counts, layers: as they are
  if (v.is_number()) return number(v.get<double>(), digits + 1);
  return escape(v.is_string() ? v.get<std::string>() : v.dump());
}

constexpr const char* kStyle = R"(body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 9px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}.chart text{font:11px system-ui,sans-serif;fill:#333}
.chart .title{font-size:13px;font-weight:600}.chart .grid{stroke:#eee}.chart .frame{fill:none;stroke:#999}
.note{color:#666;font-size:12px})";

std::string task_table(const json& demo) {
  std::string s = "<table id=\"tasks\"><tr><th>task</th><th>metric</th><th>compressed</th><th>uncompressed</th>"
                  "<th>mean exit layer</th><th>CPU ms / sentence</th><th>examples</th></tr>";
  for (const json& t : need(demo, "tasks", "demo")) {
    const std::string w = "task " + str(t, "task", "a task");
    s += "<tr><td>" + escape(str(t, "task", w)) + "</td><td>" + escape(str(t, "metric", w)) + "</td><td>" +
         cell(need(t, "value", w)) + "</td><td>" + cell(t.value("uncompressed", json())) + "</td><td>" +
         cell(need(t, "mean_exit_layer", w)) + " of " + cell(need(t, "layers", w)) + "</td><td>" +
         cell(need(t, "ms_per_sentence", w)) + "</td><td>" + cell(need(t, "examples", w)) + "</td></tr>";
  }
  return s + "</table>";
}

std::string curves(const json& demo) {
  const json sweeps = demo.value("sweeps", json::array());
  if (sweeps.empty()) return "<p class=\"note\">No threshold sweeps in these results (no task with off-ramps).</p>";
  LineChart c{.id = "exit-curves", .title = "Headline metric against mean exit layer (entropy threshold sweep)",
              .x_label = "mean exit layer", .y_label = "dev metric", .series = {}};
  double y_lo = 1, y_hi = 0;
  int layers = 1;
  for (const json& s : sweeps) {
    Series se{.name = str(s, "task", "a sweep"), .x = {}, .y = {}};
    const std::string metric = str(s, "metric", "sweep " + se.name);
    layers = std::max(layers, static_cast<int>(num(s, "layers", "sweep " + se.name)));
    for (const json& p : need(s, "points", "sweep " + se.name)) {
      const json& v = need(p, metric.c_str(), "sweep " + se.name + " point");
      const double y = v.is_number() ? v.get<double>() : NAN;  // null: undefined (e.g. MCC of one class)
      if (std::isnan(y)) continue;
      se.x.push_back(num(p, "mean_exit_layer", "sweep " + se.name));
      se.y.push_back(y);
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
    // Draw from few layers to all of them.
    std::vector<size_t> order(se.x.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return se.x[a] < se.x[b]; });
    Series sorted{.name = se.name, .x = {}, .y = {}};
    for (size_t i : order) sorted.x.push_back(se.x[i]), sorted.y.push_back(se.y[i]);
    c.series.push_back(std::move(sorted));
  }
  c.x_min = 1;
  c.x_max = layers;
  c.y_min = std::floor(std::min(y_lo, 0.5) * 10) / 10;
  c.y_max = std::ceil(std::max(y_hi, c.y_min + 0.1) * 10) / 10;
  return render(c);
}

const json& sim_runs(const json& demo) { return need(demo, "sim", "demo"); }

std::string run_label(const json& r) { return r.value("label", str(r, "mapping", "a simulation")); }

std::string energy_chart(const json& demo) {
  // In µJ, as the simulation table above it (the JSON is in pJ).
  BarChart c{.id = "energy", .title = "Simulated energy per sentence", .unit = "µJ", .bars = {}};
  for (const json& r : sim_runs(demo)) {
    const std::string w = "simulation " + run_label(r);
    if (!need(r, "fits", w).get<bool>()) continue;
    const json& e = need(need(r, "mean", w), "energy_breakdown", w);
    const auto uj = [&](const json& o, const char* key) { return num(o, key, w) * 1e-6; };
    Bar b{.label = run_label(r), .segments = {}};
    b.segments.push_back({"MACs", uj(e, "mac_pj")});
    b.segments.push_back({"SFU", uj(e, "sfu_pj")});
    b.segments.push_back({"bitmask decode", uj(e, "decode_pj")});
    for (const auto& [name, m] : need(e, "memories", w).items())
      b.segments.push_back({name + " access", uj(m, "read_pj") + uj(m, "write_pj")});
    b.segments.push_back({"leakage", uj(e, "leakage_pj") + uj(e, "idle_leakage_pj")});
    b.segments.push_back({"DVFS switching", uj(e, "dvfs_pj")});
    c.bars.push_back(std::move(b));
  }
  return render(c);
}

std::string area_chart(const json& demo) {
  BarChart c{.id = "area", .title = "Accelerator area", .unit = "mm²", .bars = {}};
  for (const json& r : sim_runs(demo)) {
    const std::string w = "simulation " + run_label(r);
    const json& a = need(r, "area_mm2", w);
    Bar b{.label = run_label(r), .segments = {}};
    for (const char* k : {"macs_mm2", "sfu_mm2", "bitmask_codec_mm2", "control_mm2", "dvfs_mm2", "pu_buffers_mm2"}) {
      std::string name(k);
      b.segments.push_back({name.substr(0, name.size() - 4), num(a, k, w)});  // without "_mm2"
    }
    for (const json& m : need(r, "memories", w))
      b.segments.push_back({str(m, "name", w) + " (" + str(m, "technology", w) + ")", num(m, "area_mm2", w)});
    c.bars.push_back(std::move(b));
  }
  return render(c);
}

// Per mapping: each memory's bytes by tensor class, then what is left free.
std::string memory_map(const json& demo) {
  std::string s;
  std::vector<std::string> seen;
  int k = 0;
  for (const json& r : sim_runs(demo)) {
    const std::string w = "simulation " + run_label(r), mapping = str(r, "mapping", w);
    if (std::find(seen.begin(), seen.end(), mapping) != seen.end()) continue;
    seen.push_back(mapping);
    const json& fp = need(r, "footprint_bytes", w);
    BarChart c{.id = "memory-map-" + std::to_string(k++), .title = "Memory map: " + mapping, .unit = "bytes", .bars = {}};
    for (const json& m : need(r, "memories", w)) {
      Bar b{.label = str(m, "name", w) + " (" + str(m, "technology", w) + ")", .segments = {}};
      for (const auto& [cls, f] : need(m, "class_fractions", w).items())
        b.segments.push_back({cls, f.get<double>() * num(fp, cls.c_str(), w + " footprint")});
      // On-chip memories show what is left; off-chip DRAM (no area here) is as large as it needs to be.
      const double cap = num(m, "capacity_bytes", w), used = num(m, "used_bytes", w);
      if (cap > used && num(m, "area_mm2", w) > 0) b.segments.push_back({"free", cap - used});
      c.bars.push_back(std::move(b));
    }
    s += render(c);
    const json notes = r.value("notes", json::array());
    for (const json& n : notes) s += "<p class=\"note\">" + escape(n.is_string() ? n.get<std::string>() : n.dump()) + "</p>";
  }
  return s;
}

std::string sim_table(const json& demo) {
  std::string s = "<table id=\"simulation\"><tr><th>run</th><th>fits</th><th>energy / sentence</th><th>mean latency</th>"
                  "<th>deadline misses</th><th>area</th><th>avg power</th></tr>";
  for (const json& r : sim_runs(demo)) {
    const std::string w = "simulation " + run_label(r);
    const bool fits = need(r, "fits", w).get<bool>();
    const json& mean = need(r, "mean", w);
    s += "<tr><td>" + escape(run_label(r)) + "</td><td>" + (fits ? "yes" : "no") + "</td><td>" +
         (fits ? number(num(mean, "energy_pj", w) / 1e6) + " µJ" : "–") + "</td><td>" +
         (fits ? number(num(mean, "latency_ns", w) / 1e6) + " ms" : "–") + "</td><td>" +
         (fits ? cell(need(need(r, "totals", w), "deadline_misses", w)) : "–") + "</td><td>" +
         number(num(need(r, "area_mm2", w), "total_mm2", w)) + " mm²</td><td>" +
         (fits ? number(num(need(r, "totals", w), "average_power_mw", w)) + " mW" : "–") + "</td></tr>";
  }
  return s + "</table>";
}

std::string memory_table(const json& demo) {
  const json& m = need(demo, "memory", "demo");
  return "<table id=\"memory\"><tr><th>deployment</th><th>bytes</th></tr><tr><td>one backbone + " +
         cell(need(m, "tasks", "memory")) + " task packs</td><td>" + number(num(m, "adapter_bytes", "memory") / 1e6) +
         " MB</td></tr><tr><td>" + cell(need(m, "tasks", "memory")) + " separate fp32 ALBERT models</td><td>" +
         number(num(m, "separate_models_bytes", "memory") / 1e6) + " MB</td></tr><tr><td>ratio</td><td>" +
         number(num(m, "separate_models_bytes", "memory") / std::max(num(m, "adapter_bytes", "memory"), 1.0)) +
         "×</td></tr></table>";
}

}  // namespace

std::string render_html(const json& demo) {
  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>edgemt report</title><style>";
  h += kStyle;
  h += "</style></head><body><h1>edgemt: multi-task ALBERT on one backbone, compressed and simulated</h1>";
  h += "<p class=\"note\">model " + escape(str(demo, "model", "demo")) + " · data " + escape(str(demo, "data", "demo")) +
       " · " + escape(demo.value("date", std::string())) + "</p>";
  h += "<h2>Tasks on one engine</h2>" + task_table(demo);
  h += "<h2>Memory: one backbone and task packs against separate models</h2>" + memory_table(demo);
  h += "<h2>Early exit: accuracy against mean exit layer</h2>" + curves(demo);
  h += "<h2>Accelerator simulation</h2>" + sim_table(demo) + energy_chart(demo) + area_chart(demo);
  h += "<h2>Memory map</h2>" + memory_map(demo);
  return h + "</body></html>\n";
}

}  // namespace edgemt::report
