// `edgemt report`: one self-contained HTML page (inline CSS and SVG, no scripts, no network) from the
// demo's results (docs/formats.md "Demo results"): the per-task table, accuracy against mean exit
// layer, simulated energy and area breakdowns, and the memory map.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace edgemt::report {

// Throws edgemt::Error naming the field when `demo` lacks one the page needs.
std::string render_html(const nlohmann::json& demo);

}  // namespace edgemt::report
