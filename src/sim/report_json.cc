// JSON and CSV reports of a simulation run.
#include <cstdio>

#include "sim/report.h"

namespace edgemt::sim {

using nlohmann::json;

namespace {

json breakdown(const EnergyBreakdown& e, const std::vector<std::string>& memories) {
  json mem = json::object();
  for (size_t k = 0; k < memories.size(); ++k)
    mem[memories[k]] = {{"read_pj", k < e.read_pj.size() ? e.read_pj[k] : 0.0},
                        {"write_pj", k < e.write_pj.size() ? e.write_pj[k] : 0.0}};
  return {{"mac_pj", e.mac_pj},         {"sfu_pj", e.sfu_pj},
          {"decode_pj", e.decode_pj},   {"memories", mem},
          {"leakage_pj", e.leakage_pj}, {"idle_leakage_pj", e.idle_leakage_pj},
          {"dvfs_pj", e.dvfs_pj},       {"total_pj", e.total_pj()}};
}

EnergyBreakdown scaled(EnergyBreakdown e, double f) {
  e.mac_pj *= f, e.sfu_pj *= f, e.decode_pj *= f, e.leakage_pj *= f, e.idle_leakage_pj *= f, e.dvfs_pj *= f;
  for (auto& x : e.read_pj) x *= f;
  for (auto& x : e.write_pj) x *= f;
  return e;
}

}  // namespace

json to_json(const SimResult& r, bool per_sentence) {
  json fp = json::object();
  for (int c = 0; c < kClassCount; ++c) fp[class_name(static_cast<TensorClass>(c))] = r.footprint.bytes[static_cast<size_t>(c)];
  json memories = json::array();
  for (size_t k = 0; k < r.memory_names.size(); ++k) {
    json classes = json::object();
    for (int c = 0; c < kClassCount; ++c) {
      const double f = r.map.fraction[static_cast<size_t>(c)][k];
      if (f > 0) classes[class_name(static_cast<TensorClass>(c))] = f;
    }
    memories.push_back({{"name", r.memory_names[k]},
                        {"technology", r.memory_technologies[k]},
                        {"capacity_bytes", r.memory_capacity_bytes[k]},
                        {"used_bytes", r.map.used_bytes[k]},
                        {"read_bytes_per_sentence", r.sentences.empty() ? 0.0 : r.read_bytes[k] / static_cast<double>(r.sentences.size())},
                        {"write_bytes_per_sentence", r.sentences.empty() ? 0.0 : r.write_bytes[k] / static_cast<double>(r.sentences.size())},
                        {"area_mm2", r.area.memories_mm2[k]},
                        {"class_fractions", classes}});
  }
  json area = {{"macs_mm2", r.area.macs_mm2},         {"sfu_mm2", r.area.sfu_mm2},
               {"bitmask_codec_mm2", r.area.bitmask_codec_mm2}, {"control_mm2", r.area.control_mm2},
               {"dvfs_mm2", r.area.dvfs_mm2},         {"pu_buffers_mm2", r.area.pu_buffers_mm2},
               {"total_mm2", r.area.total_mm2()}};
  const double n = static_cast<double>(r.sentences.size());
  json j = {{"accel", r.accel},
            {"mapping", r.mapping},
            {"dvfs", dvfs_policy_name(r.options.policy)},
            {"latency_target_ns", r.options.latency_target_ns},
            {"tasks_resident", r.options.tasks},
            {"trace_tasks", r.tasks},
            {"fits", r.fits},
            {"notes", r.map.notes},
            {"footprint_bytes", fp},
            {"footprint_complete", r.footprint.complete},
            {"memories", memories},
            {"area_mm2", area},
            {"leakage_busy_nominal_mw", r.busy_leakage_mw_nominal},
            {"leakage_standby_mw", r.standby_leakage_mw},
            {"sentences", r.sentences.size()}};
  if (!r.fits) return j;
  j["totals"] = {{"latency_ns", r.latency_ns},
                 {"energy_pj", r.energy.total_pj()},
                 {"energy_breakdown", breakdown(r.energy, r.memory_names)},
                 {"macs", r.macs},
                 {"average_power_mw", r.average_power_mw()},
                 {"deadline_misses", r.deadline_misses},
                 {"dvfs_switches", r.switched}};
  j["mean"] = {{"latency_ns", r.mean(r.latency_ns)},
               {"max_latency_ns", r.max_latency_ns},
               {"energy_pj", r.mean(r.energy.total_pj())},
               {"compute_energy_pj", r.mean(r.compute_pj())},
               {"energy_breakdown", breakdown(scaled(r.energy, n > 0 ? 1 / n : 0), r.memory_names)},
               {"exit_layer", r.mean(r.exit_layers)},
               {"macs", r.mean(r.macs)}};
  json by_task = json::object();
  for (size_t t = 0; t < r.tasks.size(); ++t) {
    double count = 0, lat = 0, energy = 0, exits = 0;
    for (const auto& s : r.sentences)
      if (s.task == static_cast<int>(t)) ++count, lat += s.latency_ns, energy += s.energy.total_pj(), exits += s.exit_layer;
    if (count > 0)
      by_task[r.tasks[t]] = {{"sentences", count}, {"mean_latency_ns", lat / count},
                             {"mean_energy_pj", energy / count}, {"mean_exit_layer", exits / count}};
  }
  j["by_task"] = by_task;
  if (per_sentence) {
    json rows = json::array();
    for (const auto& s : r.sentences)
      rows.push_back({{"index", s.index},
                      {"task", r.tasks[static_cast<size_t>(s.task)]},
                      {"tokens", s.tokens},
                      {"exit_layer", s.exit_layer},
                      {"predicted_exit_layer", s.predicted_exit_layer ? json(s.predicted_exit_layer) : json()},
                      {"voltage_v", s.voltage_v},
                      {"frequency_mhz", s.frequency_mhz},
                      {"latency_ns", s.latency_ns},
                      {"deadline_met", s.deadline_met},
                      {"macs", s.macs},
                      {"energy_pj", s.energy.total_pj()},
                      {"energy_breakdown", breakdown(s.energy, r.memory_names)}});
    j["per_sentence"] = std::move(rows);
  }
  return j;
}

void write_csv(std::ostream& out, const SimResult& r, bool header) {
  if (header) {
    out << "accel,mapping,dvfs,index,task,tokens,exit_layer,predicted_exit_layer,voltage_v,frequency_mhz,latency_ns,"
           "deadline_met,macs,energy_pj,mac_pj,sfu_pj,decode_pj";
    for (const auto& m : r.memory_names) out << "," << m << "_read_pj," << m << "_write_pj";
    out << ",leakage_pj,idle_leakage_pj,dvfs_pj\n";
  }
  char buf[64];
  auto num = [&](double v) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  for (const auto& s : r.sentences) {
    const auto& e = s.energy;
    out << r.accel << "," << r.mapping << "," << dvfs_policy_name(r.options.policy) << "," << s.index << ","
        << r.tasks[static_cast<size_t>(s.task)] << "," << s.tokens << "," << s.exit_layer << ","
        << s.predicted_exit_layer << "," << num(s.voltage_v) << "," << num(s.frequency_mhz) << ","
        << num(s.latency_ns) << "," << (s.deadline_met ? 1 : 0) << "," << num(s.macs) << "," << num(e.total_pj())
        << "," << num(e.mac_pj) << "," << num(e.sfu_pj) << "," << num(e.decode_pj);
    for (size_t k = 0; k < r.memory_names.size(); ++k) out << "," << num(e.read_pj[k]) << "," << num(e.write_pj[k]);
    out << "," << num(e.leakage_pj) << "," << num(e.idle_leakage_pj) << "," << num(e.dvfs_pj) << "\n";
  }
}

}  // namespace edgemt::sim
