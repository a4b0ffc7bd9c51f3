// Replaying traced sentences: segment costs → DVFS plan → latency, energy and leakage per sentence.
#include "sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "sim/sentence_cost.h"

namespace edgemt::sim {

double EnergyBreakdown::total_pj() const {
  double t = mac_pj + sfu_pj + decode_pj + leakage_pj + idle_leakage_pj + dvfs_pj;
  for (double e : read_pj) t += e;
  for (double e : write_pj) t += e;
  return t;
}

void EnergyBreakdown::add(const EnergyBreakdown& o) {
  mac_pj += o.mac_pj, sfu_pj += o.sfu_pj, decode_pj += o.decode_pj;
  leakage_pj += o.leakage_pj, idle_leakage_pj += o.idle_leakage_pj, dvfs_pj += o.dvfs_pj;
  read_pj.resize(std::max(read_pj.size(), o.read_pj.size()));
  write_pj.resize(std::max(write_pj.size(), o.write_pj.size()));
  for (size_t k = 0; k < o.read_pj.size(); ++k) read_pj[k] += o.read_pj[k];
  for (size_t k = 0; k < o.write_pj.size(); ++k) write_pj[k] += o.write_pj[k];
}

double AreaBreakdown::total_mm2() const {
  double t = macs_mm2 + sfu_mm2 + bitmask_codec_mm2 + control_mm2 + dvfs_mm2 + pu_buffers_mm2;
  for (double a : memories_mm2) t += a;
  return t;
}

namespace {

AreaBreakdown area(const AccelSpec& a, const MemoryTech& buffers, const MappingSpec& m) {
  AreaBreakdown r{.macs_mm2 = static_cast<double>(a.pu.n * a.pu.n) * a.area.mac_mm2,
                  .sfu_mm2 = a.area.sfu_mm2,
                  .bitmask_codec_mm2 = a.area.bitmask_codec_mm2,
                  .control_mm2 = a.area.control_mm2,
                  .dvfs_mm2 = a.area.dvfs_mm2,
                  .pu_buffers_mm2 = buffers.area_mm2_for(static_cast<double>(a.pu_buffer_bytes())),
                  .memories_mm2 = {}};
  for (const auto& mem : m.memories)
    r.memories_mm2.push_back(mem.tech.off_chip ? 0 : mem.tech.area_mm2_for(mem.capacity_bytes));
  return r;
}

}  // namespace

SimResult simulate(const AccelSpec& accel, const TechTable& techs, const MappingSpec& mapping, const Trace& trace,
                   const SimOptions& options) {
  if (trace.sentences.empty()) throw Error("simulate: the trace has no sentences");
  SimResult r;
  r.accel = accel.name;
  r.mapping = mapping.name;
  r.tasks = trace.tasks;
  for (const auto& mem : mapping.memories) {
    r.memory_names.push_back(mem.name);
    r.memory_technologies.push_back(mem.tech.name);
    r.memory_capacity_bytes.push_back(mem.capacity_bytes);
  }
  r.options = options;
  if (r.options.tasks <= 0) r.options.tasks = static_cast<long>(trace.tasks.size());
  const MemoryTech* buf = techs.find(options.buffer_technology);
  if (!buf) throw Error(accel.name + ": PU buffer technology '" + options.buffer_technology + "' is not in the table");
  r.footprint = footprint(trace, mapping, options.dims, r.options.tasks);
  r.map = map_memory(mapping, r.footprint);
  r.fits = r.map.fits;
  r.area = area(accel, *buf, mapping);

  // Leakage (mW): logic and PU buffers on the DVFS rail (× leakage_scale), on-chip memories fixed.
  // Idle until the target, only volatile memories that hold weights keep leaking (the rest is gated).
  const double rail_mw = accel.logic_leakage_mw + buf->leakage_mw_for(static_cast<double>(accel.pu_buffer_bytes()));
  double memory_mw = 0, idle_mw = 0;
  for (size_t k = 0; k < mapping.memories.size(); ++k) {
    const MemoryInstance& mem = mapping.memories[k];
    if (mem.tech.off_chip) continue;
    const double mw = mem.tech.leakage_mw_for(mem.capacity_bytes);
    memory_mw += mw;
    bool weights = false;
    for (int c = 0; c < kClassCount; ++c)
      weights = weights || (static_cast<TensorClass>(c) != TensorClass::Activations && r.map.fraction[static_cast<size_t>(c)][k] > 0);
    if (weights && !mem.tech.nonvolatile) idle_mw += mw;
  }
  const auto& points = accel.dvfs.points;
  const size_t nominal = points.size() - 1;
  r.busy_leakage_mw_nominal = rail_mw * points[nominal].leakage_scale + memory_mw;
  r.standby_leakage_mw = idle_mw;
  if (!r.fits) return r;

  const CostModel model(accel, mapping, r.map, trace);
  std::vector<SegmentCost> segs;
  std::vector<std::vector<double>> lat;
  // The head's latency per point, per task, for plans that reach L when the sentence exited before.
  std::vector<std::vector<double>> head_estimate(trace.tasks.size());
  for (const auto& s : trace.sentences) {
    auto& h = head_estimate[static_cast<size_t>(s.task)];
    if (s.head.empty() || !h.empty()) continue;
    model.sentence(s, segs);
    for (const auto& p : points) h.push_back(segs.back().latency_ns(p.frequency_mhz, accel.pu.double_buffering));
  }

  const double vref = accel.energy.at_voltage_v;
  r.read_bytes.assign(mapping.memories.size(), 0);
  r.write_bytes.assign(mapping.memories.size(), 0);
  r.sentences.reserve(trace.sentences.size());
  std::vector<size_t> done(trace.sentences.size(), SIZE_MAX);  // work → its stats in r.sentences
  auto add = [&r](const SentenceStats& st) {
    r.deadline_misses += st.deadline_met ? 0 : 1;
    r.switched += st.voltage_v != st.nominal_voltage_v ? 1 : 0;
    r.energy.add(st.energy);
    for (size_t m = 0; m < r.read_bytes.size(); ++m) r.read_bytes[m] += st.read_bytes[m], r.write_bytes[m] += st.write_bytes[m];
    r.latency_ns += st.latency_ns;
    r.max_latency_ns = std::max(r.max_latency_ns, st.latency_ns);
    r.macs += st.macs;
    r.exit_layers += st.exit_layer;
  };
  for (const auto& s : trace.sentences) {
    if (done[s.work] != SIZE_MAX) {  // identical work: identical figures
      r.sentences.push_back(r.sentences[done[s.work]]);
      r.sentences.back().index = s.index;
      add(r.sentences.back());
      continue;
    }
    done[s.work] = r.sentences.size();
    model.sentence(s, segs);
    lat.resize(segs.size());
    for (size_t i = 0; i < segs.size(); ++i) {
      lat[i].resize(points.size());
      for (size_t k = 0; k < points.size(); ++k)
        lat[i][k] = segs[i].latency_ns(points[k].frequency_mhz, accel.pu.double_buffering);
    }
    const DvfsPlan plan =
        plan_dvfs(options.policy, accel, lat, head_estimate[static_cast<size_t>(s.task)],
                  {.layers = s.layers, .exit_layer = s.exit_layer, .predicted_exit = s.predicted_exit_layer,
                   .has_head = !s.head.empty(), .target_ns = options.latency_target_ns});
    SentenceStats st;
    st.index = s.index, st.task = s.task, st.tokens = s.tokens, st.exit_layer = s.exit_layer;
    st.predicted_exit_layer = s.predicted_exit_layer, st.planned_layers = plan.planned_layers;
    st.voltage_v = points[plan.point].voltage_v, st.frequency_mhz = points[plan.point].frequency_mhz;
    EnergyBreakdown& e = st.energy;
    e.read_pj.assign(mapping.memories.size(), 0);
    e.write_pj.assign(mapping.memories.size(), 0);
    st.read_bytes.assign(mapping.memories.size(), 0);
    st.write_bytes.assign(mapping.memories.size(), 0);
    st.nominal_voltage_v = points[nominal].voltage_v;
    for (size_t i = 0; i < segs.size(); ++i) {
      const size_t k = i >= plan.first_scaled && i < plan.end_scaled ? plan.point : nominal;
      const double v2 = std::pow(points[k].voltage_v / vref, 2);  // dynamic energy ∝ C·V²
      const SegmentCost& c = segs[i];
      e.mac_pj += c.mac_pj * v2;
      e.sfu_pj += c.sfu_pj * v2;
      e.decode_pj += c.decode_pj * v2;
      for (size_t m = 0; m < e.read_pj.size(); ++m) {
        e.read_pj[m] += c.read_pj[m], e.write_pj[m] += c.write_pj[m];
        st.read_bytes[m] += c.read_bytes[m], st.write_bytes[m] += c.write_bytes[m];
      }
      e.leakage_pj += (rail_mw * points[k].leakage_scale + memory_mw) * lat[i][k];  // mW × ns = pJ
      st.latency_ns += lat[i][k];
      st.macs += c.nonzero_macs;
    }
    if (plan.switched) {  // down before layer p+1 (stalls the sentence) and back up after it (hidden)
      const double dv2 = std::abs(std::pow(points[nominal].voltage_v, 2) - std::pow(points[plan.point].voltage_v, 2));
      e.dvfs_pj = 2 * accel.dvfs.rail_capacitance_nf * dv2 * 1000;  // nF × V² = nJ
      st.latency_ns += accel.dvfs.switch_time_ns;
      e.leakage_pj += (rail_mw * points[nominal].leakage_scale + memory_mw) * accel.dvfs.switch_time_ns;
    }
    const double target = options.latency_target_ns;
    st.deadline_met = target <= 0 || st.latency_ns <= target;
    if (target > 0 && st.latency_ns < target) e.idle_leakage_pj = idle_mw * (target - st.latency_ns);
    add(st);
    r.sentences.push_back(std::move(st));
  }
  return r;
}

}  // namespace edgemt::sim
