// Small self-contained SVG charts for the HTML report: line charts (accuracy against exit layer) and
// horizontal stacked bars (energy and area breakdowns). No scripts, no external references.
#pragma once

#include <string>
#include <vector>

namespace edgemt::report {

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length; drawn in order
};

struct LineChart {
  std::string id, title, x_label, y_label;
  std::vector<Series> series;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;  // axes ranges
  int width = 520, height = 320;
};

struct BarSegment {
  std::string name;  // legend entry; the same name gets the same colour in every bar
  double value = 0;
};

struct Bar {
  std::string label;
  std::vector<BarSegment> segments;
};

struct BarChart {
  std::string id, title, unit;  // unit: shown after totals ("pJ", "mm²")
  std::vector<Bar> bars;
  int width = 720;
};

std::string render(const LineChart& c);  // <svg id="…" class="chart line">…</svg>
std::string render(const BarChart& c);   // <svg id="…" class="chart bars">…</svg>

std::string escape(const std::string& text);  // &, <, >, " for HTML/SVG text and attributes
std::string number(double v, int significant = 3);  // 12300 → "12.3k", 0.0123 → "0.0123"

}  // namespace edgemt::report
