// SVG charts: a fixed palette, linear axes with "nice" ticks, legends under the plot.
#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace edgemt::report {
namespace {

// Colour-blind-safe palette (Okabe–Ito), then greys.
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                                "#F0E442", "#000000", "#999999", "#666666", "#BBBBBB", "#333333"};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

// About five round tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

std::string text(double x, double y, const std::string& s, const char* anchor = "middle", const char* extra = "") {
  return "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" +
         escape(s) + "</text>";
}

}  // namespace

std::string escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      default: r += c;
    }
  }
  return r;
}

std::string number(double v, int significant) {
  const double a = std::abs(v);
  const char* suffix = "";
  double s = v;
  if (a >= 1e9) s = v / 1e9, suffix = "G";
  else if (a >= 1e6) s = v / 1e6, suffix = "M";
  else if (a >= 1e3) s = v / 1e3, suffix = "k";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g%s", significant, s, suffix);
  return buf;
}

std::string render(const LineChart& c) {
  const double left = 56, right = 16, top = 30, bottom = 44 + 18.0 * static_cast<double>((c.series.size() + 2) / 3);
  const double pw = c.width - left - right, ph = c.height - top - bottom;
  const double xs = pw / std::max(c.x_max - c.x_min, 1e-12), ys = ph / std::max(c.y_max - c.y_min, 1e-12);
  const auto X = [&](double x) { return left + (std::clamp(x, c.x_min, c.x_max) - c.x_min) * xs; };
  const auto Y = [&](double y) { return top + ph - (std::clamp(y, c.y_min, c.y_max) - c.y_min) * ys; };
  std::string s = "<svg id=\"" + escape(c.id) + "\" class=\"chart line\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(c.width) + "\" height=\"" + std::to_string(c.height) + "\" viewBox=\"0 0 " +
                  std::to_string(c.width) + " " + std::to_string(c.height) + "\" role=\"img\">";
  s += "<title>" + escape(c.title) + "</title>";
  s += text(c.width / 2.0, 18, c.title, "middle", " class=\"title\"");
  for (double t : ticks(c.x_min, c.x_max)) {
    s += "<line class=\"grid\" x1=\"" + fmt("%.1f", X(t)) + "\" x2=\"" + fmt("%.1f", X(t)) + "\" y1=\"" + fmt("%.1f", top) +
         "\" y2=\"" + fmt("%.1f", top + ph) + "\"/>";
    s += text(X(t), top + ph + 14, number(t));
  }
  for (double t : ticks(c.y_min, c.y_max)) {
    s += "<line class=\"grid\" x1=\"" + fmt("%.1f", left) + "\" x2=\"" + fmt("%.1f", left + pw) + "\" y1=\"" + fmt("%.1f", Y(t)) +
         "\" y2=\"" + fmt("%.1f", Y(t)) + "\"/>";
    s += text(left - 6, Y(t) + 4, number(t), "end");
  }
  s += "<rect class=\"frame\" x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", top) + "\" width=\"" + fmt("%.1f", pw) +
       "\" height=\"" + fmt("%.1f", ph) + "\"/>";
  s += text(left + pw / 2, top + ph + 30, c.x_label);
  s += text(14, top + ph / 2, c.y_label, "middle", (" transform=\"rotate(-90 14 " + fmt("%.1f", top + ph / 2) + ")\"").c_str());
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& se = c.series[i];
    const char* colour = kPalette[i % kPaletteSize];
    std::string pts;
    for (size_t k = 0; k < se.x.size() && k < se.y.size(); ++k)
      pts += (k ? " " : "") + fmt("%.1f", X(se.x[k])) + "," + fmt("%.1f", Y(se.y[k]));
    s += "<polyline class=\"series\" data-series=\"" + escape(se.name) + "\" fill=\"none\" stroke=\"" + colour +
         "\" stroke-width=\"2\" points=\"" + pts + "\"/>";
    const double lx = left + static_cast<double>(i % 3) * pw / 3, ly = top + ph + 46 + 18.0 * static_cast<double>(i / 3);
    s += "<rect x=\"" + fmt("%.1f", lx) + "\" y=\"" + fmt("%.1f", ly - 9) + "\" width=\"12\" height=\"10\" fill=\"" + colour + "\"/>";
    s += text(lx + 16, ly, se.name, "start");
  }
  return s + "</svg>";
}

std::string render(const BarChart& c) {
  std::map<std::string, int> colour_of;  // legend order = first appearance
  double max_total = 0;
  for (const Bar& b : c.bars) {
    double total = 0;
    for (const BarSegment& g : b.segments) {
      colour_of.try_emplace(g.name, static_cast<int>(colour_of.size()));
      total += std::max(g.value, 0.0);
    }
    max_total = std::max(max_total, total);
  }
  const double left = 170, right = 80, top = 30, bar_h = 22, gap = 10;
  const double pw = c.width - left - right;
  const int legend_rows = static_cast<int>((colour_of.size() + 3) / 4);
  const double plot_h = static_cast<double>(c.bars.size()) * (bar_h + gap);
  const int height = static_cast<int>(top + plot_h + 10 + 18.0 * legend_rows + 10);
  std::string s = "<svg id=\"" + escape(c.id) + "\" class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(c.width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                  std::to_string(c.width) + " " + std::to_string(height) + "\" role=\"img\">";
  s += "<title>" + escape(c.title) + "</title>";
  s += text(c.width / 2.0, 18, c.title, "middle", " class=\"title\"");
  const double scale = max_total > 0 ? pw / max_total : 0;
  for (size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    const double y = top + static_cast<double>(i) * (bar_h + gap);
    s += text(left - 8, y + bar_h * 0.7, b.label, "end");
    double x = left, total = 0;
    for (const BarSegment& g : b.segments) {
      const double w = std::max(g.value, 0.0) * scale;
      total += std::max(g.value, 0.0);
      if (w <= 0) continue;
      s += "<rect class=\"segment\" data-segment=\"" + escape(g.name) + "\" x=\"" + fmt("%.2f", x) + "\" y=\"" + fmt("%.1f", y) +
           "\" width=\"" + fmt("%.2f", w) + "\" height=\"" + fmt("%.1f", bar_h) + "\" fill=\"" +
           kPalette[colour_of[g.name] % kPaletteSize] + "\"><title>" + escape(g.name + ": " + number(g.value) + " " + c.unit) +
           "</title></rect>";
      x += w;
    }
    s += text(x + 6, y + bar_h * 0.7, number(total) + " " + c.unit, "start");
  }
  std::vector<std::pair<int, std::string>> legend;
  for (const auto& [name, k] : colour_of) legend.emplace_back(k, name);
  std::sort(legend.begin(), legend.end());
  for (size_t i = 0; i < legend.size(); ++i) {
    const double lx = 16 + static_cast<double>(i % 4) * (c.width - 32) / 4.0;
    const double ly = top + plot_h + 18 + 18.0 * static_cast<double>(i / 4);
    s += "<rect x=\"" + fmt("%.1f", lx) + "\" y=\"" + fmt("%.1f", ly - 9) + "\" width=\"12\" height=\"10\" fill=\"" +
         kPalette[legend[i].first % kPaletteSize] + "\"/>";
    s += text(lx + 16, ly, legend[i].second, "start");
  }
  return s + "</svg>";
}

}  // namespace edgemt::report
