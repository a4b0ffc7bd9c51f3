// Parsing and validating an accelerator spec.
#include "sim/accel_spec.h"

#include "core/error.h"
#include "sim/spec_reader.h"

namespace edgemt::sim {

namespace {

SfuOp sfu_op(const SpecReader& ops, const std::string& name) {
  const SpecReader o = ops.child(name);
  return {.passes = o.positive_integer("passes"),
          .row_cycles = static_cast<long>(o.non_negative("row_cycles")),
          .energy_pj_per_element = o.non_negative("energy_pj_per_element")};
}

}  // namespace

AccelSpec parse_accel_spec(const nlohmann::json& j, const std::string& source) {
  const SpecReader r(j, source);
  AccelSpec a;
  a.name = r.string("name");
  a.description = r.string_or("description", "");
  a.node_nm = r.positive("node_nm");

  const SpecReader pu = r.child("pu");
  a.pu.n = pu.positive_integer("n");
  a.pu.bitmask_decoders = pu.positive_integer("bitmask_decoders");
  a.pu.input_buffer_bytes = pu.positive_integer("input_buffer_bytes");
  a.pu.weight_buffer_bytes = pu.positive_integer("weight_buffer_bytes");
  a.pu.mask_buffer_bytes = pu.positive_integer("mask_buffer_bytes");
  a.pu.aux_buffer_bytes = pu.positive_integer("aux_buffer_bytes");
  a.pu.double_buffering = pu.boolean("double_buffering");
  if (a.pu.n > 1024) pu.fail("n", "expected at most 1024");
  // The weight buffer must hold two n×n AF8 tiles (double buffering) to run at all.
  if (a.pu.weight_buffer_bytes < 2 * a.pu.n * a.pu.n)
    pu.fail("weight_buffer_bytes", "too small for two " + std::to_string(a.pu.n) + "×" + std::to_string(a.pu.n) +
                                       " weight tiles (" + std::to_string(2 * a.pu.n * a.pu.n) + " bytes)");
  if (a.pu.input_buffer_bytes < 2 * a.pu.n)
    pu.fail("input_buffer_bytes", "too small for two input vectors (" + std::to_string(2 * a.pu.n) + " bytes)");

  const SpecReader sfu = r.child("sfu");
  a.sfu.lanes = sfu.positive_integer("lanes");
  const SpecReader ops = sfu.child("ops");
  a.sfu.layer_norm = sfu_op(ops, "layer_norm");
  a.sfu.softmax = sfu_op(ops, "softmax");
  a.sfu.activation = sfu_op(ops, "activation");
  a.sfu.elementwise = sfu_op(ops, "elementwise");
  a.sfu.entropy = sfu_op(ops, "entropy");

  const SpecReader e = r.child("energy");
  a.energy = {.at_voltage_v = e.positive("at_voltage_v"),
              .mac_pj = e.positive("mac_pj"),
              .mac_zero_operand_pj = e.non_negative("mac_zero_operand_pj"),
              .decode_pj_per_row = e.non_negative("decode_pj_per_row")};
  if (a.energy.mac_zero_operand_pj > a.energy.mac_pj)
    e.fail("mac_zero_operand_pj", "a gated MAC cannot cost more than mac_pj");
  a.logic_leakage_mw = r.child("leakage").non_negative("logic_mw");

  const SpecReader ar = r.child("area");
  a.area = {.mac_mm2 = ar.positive("mac_mm2"),
            .sfu_mm2 = ar.non_negative("sfu_mm2"),
            .bitmask_codec_mm2 = ar.non_negative("bitmask_codec_mm2"),
            .control_mm2 = ar.non_negative("control_mm2"),
            .dvfs_mm2 = ar.non_negative("dvfs_mm2")};

  const SpecReader d = r.child("dvfs");
  for (const auto& p : d.array("operating_points")) {
    a.dvfs.points.push_back({.voltage_v = p.positive("voltage_v"),
                             .frequency_mhz = p.positive("frequency_mhz"),
                             .leakage_scale = p.non_negative("leakage_scale")});
    const auto& cur = a.dvfs.points.back();
    if (a.dvfs.points.size() > 1) {
      const auto& prev = a.dvfs.points[a.dvfs.points.size() - 2];
      if (cur.voltage_v <= prev.voltage_v || cur.frequency_mhz < prev.frequency_mhz)
        p.fail("voltage_v", "operating points must be in ascending voltage with non-decreasing frequency");
    }
  }
  a.dvfs.switch_time_ns = d.non_negative("switch_time_ns");
  a.dvfs.rail_capacitance_nf = d.non_negative("rail_capacitance_nf");
  a.dvfs.predictor_layer = d.positive_integer("predictor_layer");
  return a;
}

AccelSpec load_accel_spec(const std::string& path) { return parse_accel_spec(read_json_file(path), path); }

}  // namespace edgemt::sim
