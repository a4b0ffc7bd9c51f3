// Readable tables of simulation runs.
#include <cstdarg>
#include <cstdio>

#include "sim/report.h"

namespace edgemt::sim {

namespace {

void put(std::ostream& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void put(std::ostream& out, const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  out << buf;
}

std::string run_title(const SimResult& r) {
  std::string tasks;
  for (const auto& t : r.tasks) tasks += (tasks.empty() ? "" : ", ") + t;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s · %s · DVFS %s", r.accel.c_str(), r.mapping.c_str(),
                dvfs_policy_name(r.options.policy));
  std::string s = buf;
  if (r.options.latency_target_ns > 0) {
    std::snprintf(buf, sizeof buf, " (target %.3g ms)", r.options.latency_target_ns / 1e6);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, " · %zu sentences of %s · %ld resident task%s", r.sentences.size(), tasks.c_str(),
                r.options.tasks, r.options.tasks == 1 ? "" : "s");
  return s + buf;
}

}  // namespace

void print_run(std::ostream& out, const SimResult& r) {
  out << run_title(r) << "\n\n";
  put(out, "%-14s %-9s %12s %10s %9s  %s\n", "memory", "tech", "capacity MB", "used MB", "area mm2", "holds");
  for (size_t k = 0; k < r.memory_names.size(); ++k) {
    std::string holds;
    for (int c = 0; c < kClassCount; ++c) {
      const double f = r.map.fraction[static_cast<size_t>(c)][k];
      if (f <= 0) continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%s %.0f %%", holds.empty() ? "" : ", ", class_name(static_cast<TensorClass>(c)),
                    100 * f);
      holds += buf;
    }
    put(out, "%-14s %-9s %12.3f %10.3f %9.3f  %s\n", r.memory_names[k].c_str(), r.memory_technologies[k].c_str(),
        r.memory_capacity_bytes[k] / 1e6, r.map.used_bytes[k] / 1e6, r.area.memories_mm2[k],
        holds.empty() ? "-" : holds.c_str());
  }
  out << "footprint:";
  for (int c = 0; c < kClassCount; ++c)
    put(out, " %s %.3f MB%s", class_name(static_cast<TensorClass>(c)), r.footprint.bytes[static_cast<size_t>(c)] / 1e6,
        c + 1 < kClassCount ? "," : "\n");
  if (!r.footprint.complete) out << "note: no sentence ran every layer: sizes count only the tensors traced\n";
  for (const auto& n : r.map.notes) out << "note: " << n << "\n";
  const auto& a = r.area;
  put(out, "area: %.3f mm2 (MACs %.3f, SFU %.3f, bitmask codec %.3f, control %.3f, DVFS %.3f, PU buffers %.3f, memories %.3f)\n",
      a.total_mm2(), a.macs_mm2, a.sfu_mm2, a.bitmask_codec_mm2, a.control_mm2, a.dvfs_mm2, a.pu_buffers_mm2,
      a.total_mm2() - a.macs_mm2 - a.sfu_mm2 - a.bitmask_codec_mm2 - a.control_mm2 - a.dvfs_mm2 - a.pu_buffers_mm2);
  put(out, "leakage: %.2f mW busy at nominal, %.2f mW standby (volatile memories holding weights)\n",
      r.busy_leakage_mw_nominal, r.standby_leakage_mw);
  if (!r.fits) {
    out << "DOES NOT FIT: not simulated (see the notes)\n";
    return;
  }
  const double n = static_cast<double>(r.sentences.size());
  put(out, "\nper sentence: latency %.4f ms (max %.4f), energy %.3f uJ, %.3g MACs, exit layer %.2f; busy power %.2f mW\n",
      r.mean(r.latency_ns) / 1e6, r.max_latency_ns / 1e6, r.mean(r.energy.total_pj()) / 1e6, r.mean(r.macs),
      r.mean(r.exit_layers), r.average_power_mw());
  if (r.options.latency_target_ns > 0)
    put(out, "deadline misses %ld of %zu, DVFS switches %ld\n", r.deadline_misses, r.sentences.size(), r.switched);
  const auto& e = r.energy;
  const double total = e.total_pj();
  auto row = [&](const std::string& name, double pj) {
    put(out, "  %-22s %12.4f uJ %6.1f %%\n", name.c_str(), pj / n / 1e6, total > 0 ? 100 * pj / total : 0);
  };
  out << "energy per sentence:\n";
  row("MACs", e.mac_pj);
  row("SFU", e.sfu_pj);
  row("bitmask decode", e.decode_pj);
  for (size_t k = 0; k < r.memory_names.size(); ++k) {
    if (e.read_pj[k] > 0) row(r.memory_names[k] + " reads", e.read_pj[k]);
    if (e.write_pj[k] > 0) row(r.memory_names[k] + " writes", e.write_pj[k]);
  }
  row("leakage (busy)", e.leakage_pj);
  if (e.idle_leakage_pj > 0) row("leakage (idle)", e.idle_leakage_pj);
  if (e.dvfs_pj > 0) row("DVFS switching", e.dvfs_pj);
  row("total", total);
  if (r.tasks.size() < 2) return;
  put(out, "\n%-10s %9s %12s %12s %10s\n", "task", "sentences", "latency ms", "energy uJ", "exit layer");
  for (size_t t = 0; t < r.tasks.size(); ++t) {
    double count = 0, lat = 0, energy = 0, exits = 0;
    for (const auto& s : r.sentences)
      if (s.task == static_cast<int>(t)) ++count, lat += s.latency_ns, energy += s.energy.total_pj(), exits += s.exit_layer;
    if (count > 0)
      put(out, "%-10s %9.0f %12.4f %12.3f %10.2f\n", r.tasks[t].c_str(), count, lat / count / 1e6, energy / count / 1e6,
          exits / count);
  }
}

void print_comparison(std::ostream& out, std::span<const SimResult> runs) {
  put(out, "%-16s %-13s %-9s %5s %5s %9s %11s %10s %11s %10s %10s %9s %6s %7s\n", "mapping", "accel", "dvfs", "tasks",
      "fits", "area mm2", "on-chip MB", "standby mW", "latency ms", "energy uJ", "compute uJ", "power mW", "exit", "misses");
  for (const auto& r : runs) {
    double on_chip = 0;
    for (size_t k = 0; k < r.memory_names.size(); ++k)
      if (r.area.memories_mm2[k] > 0) on_chip += r.map.used_bytes[k];
    put(out, "%-16s %-13s %-9s %5ld %5s %9.3f %11.3f %10.2f", r.mapping.c_str(), r.accel.c_str(),
        dvfs_policy_name(r.options.policy), r.options.tasks, r.fits ? "yes" : "NO", r.area.total_mm2(), on_chip / 1e6,
        r.standby_leakage_mw);
    if (r.fits)
      put(out, " %11.4f %10.2f %10.2f %9.2f %6.2f %7ld\n", r.mean(r.latency_ns) / 1e6, r.mean(r.energy.total_pj()) / 1e6,
          r.mean(r.compute_pj()) / 1e6, r.average_power_mw(), r.mean(r.exit_layers), r.deadline_misses);
    else
      put(out, " %11s %10s %10s %9s %6s %7s\n", "-", "-", "-", "-", "-", "-");
  }
}

}  // namespace edgemt::sim
