// End-to-end simulation on synthetic traces: the 18.1 TFLOPs/W calibration, early exit and DVFS
// save energy, a model that does not fit is a result, area adds up.
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include "sim/pu_model.h"
#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

TEST(SimSimulator, MacEnergyMatchesTheSiliconAnchor) {
  // A large dense GEMM at the lowest operating point: MAC energy (∝ V²) + PU leakage (logic and
  // buffers) over its cycles = 0.110 pJ per MAC, i.e. 18.1 TFLOPs/W at 2 FLOPs per MAC (ISSCC 2023).
  const AccelSpec a = testing::preset("edgebert-n16");
  const TechTable t = testing::techs();
  const OperatingPoint& low = a.dvfs.points.front();
  const GemmCycles g = gemm_cycles_expected(128, 768, 768, 1.0, a.pu.n, a.pu.bitmask_decoders);
  const double v2 = (low.voltage_v / a.energy.at_voltage_v) * (low.voltage_v / a.energy.at_voltage_v);
  const double leak_mw =
      (a.logic_leakage_mw + t.find("SRAM")->leakage_mw_for(static_cast<double>(a.pu_buffer_bytes()))) * low.leakage_scale;
  const double pj = g.nonzero_macs * a.energy.mac_pj * v2 + g.decoded_rows * a.energy.decode_pj_per_row * v2 +
                    leak_mw * g.cycles / (low.frequency_mhz / 1000);
  const double pj_per_mac = pj / g.nonzero_macs;
  EXPECT_NEAR(pj_per_mac, 0.110, 0.0005);
  EXPECT_NEAR(2 / pj_per_mac, 18.1, 0.1) << "TFLOPs/W";
}

SimResult run(const std::string& mapping, const SyntheticTraceOptions& o, SimOptions so = {}) {
  const TechTable t = testing::techs();
  return simulate(testing::preset("edgebert-n16"), t, testing::mapping(mapping, t), testing::synthetic(o), so);
}

TEST(SimSimulator, EarlyExitAndDvfsSaveEnergy) {
  const SyntheticTraceOptions full{.sentences = 40, .density = 0.4};
  SyntheticTraceOptions ee = full;
  ee.mean_exit_layer = 3.9, ee.predict = true;
  const SimOptions target{.latency_target_ns = 30e6, .policy = DvfsPolicy::EdgeBert};
  const SimResult off = run("adapter-albert", full), on = run("adapter-albert", ee);
  const SimResult dvfs = run("adapter-albert", ee, target);
  ASSERT_TRUE(off.fits && on.fits && dvfs.fits);
  EXPECT_LT(on.mean(on.exit_layers), 6);
  EXPECT_LT(on.energy.total_pj(), 0.6 * off.energy.total_pj());
  EXPECT_LT(on.latency_ns, 0.6 * off.latency_ns);
  EXPECT_GT(dvfs.switched, 0);
  EXPECT_LT(dvfs.compute_pj(), 0.9 * on.compute_pj()) << "V² on the scaled layers";
  EXPECT_GT(dvfs.latency_ns, on.latency_ns) << "slower, within the target";
  EXPECT_EQ(dvfs.deadline_misses, 0);
  for (const auto& s : dvfs.sentences) EXPECT_LE(s.latency_ns, 30e6);
}

TEST(SimSimulator, AdapterBackboneBeatsAModelPerTaskOnEnergy) {
  const SyntheticTraceOptions o{.sentences = 10, .density = 0.4, .adapter_size = 16};
  SimOptions five;
  five.tasks = 5;
  const SimResult a = run("albert-per-task", o, five), b = run("adapter-albert", o, five);
  ASSERT_TRUE(a.fits && b.fits);
  EXPECT_GT(a.map.spilled_bytes, b.map.spilled_bytes);
  EXPECT_GT(a.energy.total_pj(), 2 * b.energy.total_pj()) << "DRAM weight streaming dominates (a)";
}

TEST(SimSimulator, ModelThatDoesNotFitIsAResult) {
  const TechTable t = testing::techs();
  MappingSpec m = testing::mapping("adapter-albert", t);
  m.spill = -1;
  const SimResult r = simulate(testing::preset("edgebert-n16"), t, m, testing::synthetic({.sentences = 3}), {.tasks = 50});
  EXPECT_FALSE(r.fits);
  EXPECT_TRUE(r.sentences.empty());
  EXPECT_FALSE(r.map.notes.empty());
  EXPECT_GT(r.area.total_mm2(), 0) << "area is still reported";
}

TEST(SimSimulator, EnergyAndAreaAddUp) {
  const SimResult r = run("adapter-albert", {.sentences = 5, .density = 0.4}, {.latency_target_ns = 50e6});
  double sum = 0;
  for (const auto& s : r.sentences) sum += s.energy.total_pj();
  EXPECT_NEAR(sum, r.energy.total_pj(), 1e-6 * sum);
  EXPECT_GT(r.energy.idle_leakage_pj, 0) << "SRAM holding task packs leaks until the target";
  const auto& a = r.area;
  EXPECT_NEAR(a.total_mm2(), a.macs_mm2 + a.sfu_mm2 + a.bitmask_codec_mm2 + a.control_mm2 + a.dvfs_mm2 +
                                 a.pu_buffers_mm2 + a.memories_mm2[0] + a.memories_mm2[1] + a.memories_mm2[2], 1e-12);
  EXPECT_EQ(a.memories_mm2[2], 0) << "DRAM is off chip";
  EXPECT_DOUBLE_EQ(a.macs_mm2, 256 * 0.00015);
}

}  // namespace
}  // namespace edgemt::sim
