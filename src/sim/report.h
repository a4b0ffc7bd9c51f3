// Simulator output: JSON (units in field names) and CSV for scripts, tables for people.
#pragma once

#include <ostream>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/simulator.h"

namespace edgemt::sim {

// Everything about one run: specs, footprint and placement, area, totals, means, per task and (when
// `per_sentence`) every sentence.
nlohmann::json to_json(const SimResult& r, bool per_sentence);

// One CSV row per sentence (with a header when `header`), memories as <name>_read_pj, <name>_write_pj.
void write_csv(std::ostream& out, const SimResult& r, bool header);

// A run in detail: placement, area, energy breakdown, per-task means.
void print_run(std::ostream& out, const SimResult& r);
// One row per run, for comparing mappings and DVFS policies.
void print_comparison(std::ostream& out, std::span<const SimResult> runs);

}  // namespace edgemt::sim
