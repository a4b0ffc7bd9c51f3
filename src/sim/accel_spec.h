// The accelerator spec (data/accel/presets/*.json, ALGORITHMS.md §9): processing unit, special
// function unit, energies, leakage, area and the DVFS operating points, as plain structs.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgemt::sim {

struct OperatingPoint {
  double voltage_v = 0, frequency_mhz = 0;
  double leakage_scale = 1;  // logic leakage power relative to `Leakage::logic_mw`
};

struct SfuOp {
  long passes = 1;              // cycles per element per lane
  long row_cycles = 0;          // fixed cycles per row (reductions, reciprocal, rsqrt)
  double energy_pj_per_element = 0;  // at Energy::at_voltage_v
};

struct AccelSpec {
  std::string name, description;
  double node_nm = 0;
  struct Pu {
    long n = 16;                 // n VMACs of width n: n² MACs per cycle
    long bitmask_decoders = 2;   // each expands one n-wide weight row per cycle
    long input_buffer_bytes = 0, weight_buffer_bytes = 0, mask_buffer_bytes = 0, aux_buffer_bytes = 0;
    bool double_buffering = true;  // memory traffic overlaps compute (else it adds)
  } pu;
  struct Sfu {
    long lanes = 16;
    SfuOp layer_norm, softmax, activation, elementwise, entropy;
  } sfu;
  struct Energy {
    double at_voltage_v = 0;           // dynamic energies below are at this voltage; E ∝ V²
    double mac_pj = 0;                 // one MAC with a non-zero weight
    double mac_zero_operand_pj = 0;    // a zero weight inside an active vector
    double decode_pj_per_row = 0;      // one n-wide bitmask row decoded
  } energy;
  double logic_leakage_mw = 0;         // PU datapath + SFU + control, × OperatingPoint::leakage_scale
  struct Area {
    double mac_mm2 = 0, sfu_mm2 = 0, bitmask_codec_mm2 = 0, control_mm2 = 0, dvfs_mm2 = 0;
  } area;
  struct Dvfs {
    std::vector<OperatingPoint> points;  // ascending voltage; the last is nominal (top speed)
    double switch_time_ns = 0, rail_capacitance_nf = 0;
    long predictor_layer = 1;            // p: layers 1..p run at nominal before L̂ is known
  } dvfs;

  const OperatingPoint& nominal() const { return dvfs.points.back(); }
  long pu_buffer_bytes() const {
    return pu.input_buffer_bytes + pu.weight_buffer_bytes + pu.mask_buffer_bytes + pu.aux_buffer_bytes;
  }
};

AccelSpec parse_accel_spec(const nlohmann::json& j, const std::string& source);
AccelSpec load_accel_spec(const std::string& path);

}  // namespace edgemt::sim
