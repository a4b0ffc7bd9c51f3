// spec → model → stats: `simulate()` replays every traced sentence on the accelerator with the memory
// mapping and DVFS policy, and returns per-sentence and total latency, energy (by component) and
// area. A model that does not fit is a result (`fits` false, `notes` say why), not an exception.
#pragma once

#include <string>
#include <vector>

#include "sim/accel_spec.h"
#include "sim/dvfs.h"
#include "sim/mapping_spec.h"
#include "sim/memory_map.h"
#include "sim/tech.h"
#include "sim/trace_reader.h"

namespace edgemt::sim {

struct EnergyBreakdown {
  double mac_pj = 0, sfu_pj = 0, decode_pj = 0;  // dynamic logic energy at the voltage used
  std::vector<double> read_pj, write_pj;         // per memory of the mapping
  double leakage_pj = 0;       // whole chip while busy (logic, PU buffers, on-chip memories)
  double idle_leakage_pj = 0;  // volatile memories holding weights until the latency target
  double dvfs_pj = 0;          // regulator and PLL switching

  double total_pj() const;
  void add(const EnergyBreakdown& o);
};

struct SentenceStats {
  long index = 0;
  int task = 0;
  long tokens = 0;
  int exit_layer = 0, predicted_exit_layer = 0, planned_layers = 0;
  double voltage_v = 0, frequency_mhz = 0;  // of the scaled layers (nominal when not switched)
  double nominal_voltage_v = 0;
  double latency_ns = 0;
  bool deadline_met = true;
  double macs = 0;  // non-zero MACs
  EnergyBreakdown energy;
  std::vector<double> read_bytes, write_bytes;  // per memory
};

struct AreaBreakdown {
  double macs_mm2 = 0, sfu_mm2 = 0, bitmask_codec_mm2 = 0, control_mm2 = 0, dvfs_mm2 = 0, pu_buffers_mm2 = 0;
  std::vector<double> memories_mm2;  // per memory of the mapping (0 off chip)
  double total_mm2() const;
};

struct SimOptions {
  long tasks = 0;             // resident task packs; 0: the number of tasks in the trace
  double latency_target_ns = 0;
  DvfsPolicy policy = DvfsPolicy::None;
  ModelDims dims{};
  std::string buffer_technology = "SRAM";  // of the PU's buffers
};

struct SimResult {
  std::string accel, mapping;
  std::vector<std::string> memory_names, memory_technologies, tasks;
  std::vector<double> memory_capacity_bytes;
  SimOptions options;
  Footprint footprint;
  MemoryMap map;
  AreaBreakdown area;
  double busy_leakage_mw_nominal = 0;  // chip leakage at the nominal point
  double standby_leakage_mw = 0;       // volatile on-chip memories that hold weights (cannot be gated)
  bool fits = true;
  std::vector<SentenceStats> sentences;  // empty when it does not fit
  EnergyBreakdown energy;                // totals
  std::vector<double> read_bytes, write_bytes;  // totals per memory
  double latency_ns = 0, max_latency_ns = 0, macs = 0, exit_layers = 0;
  long deadline_misses = 0, switched = 0;

  double mean(double total) const { return sentences.empty() ? 0 : total / static_cast<double>(sentences.size()); }
  double compute_pj() const { return energy.mac_pj + energy.sfu_pj + energy.decode_pj; }
  double average_power_mw() const { return latency_ns > 0 ? energy.total_pj() / latency_ns : 0; }  // pJ/ns = mW
};

SimResult simulate(const AccelSpec& accel, const TechTable& techs, const MappingSpec& mapping, const Trace& trace,
                   const SimOptions& options);

}  // namespace edgemt::sim
