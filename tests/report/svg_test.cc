// The report's SVG charts: numbers, escaping, and what the charts contain.
#include "report/svg.h"

#include <gtest/gtest.h>

namespace edgemt::report {
namespace {

int count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST(ReportSvg, NumbersAndEscaping) {
  EXPECT_EQ(number(12300), "12.3k");
  EXPECT_EQ(number(2.5e6), "2.5M");
  EXPECT_EQ(number(0.0123), "0.0123");
  EXPECT_EQ(number(7), "7");
  EXPECT_EQ(number(7450), "7.45k");
  EXPECT_EQ(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
}

TEST(ReportSvg, LineChartDrawsEverySeriesWithItsPoints) {
  LineChart c{.id = "curves", .title = "t <1>", .x_label = "x", .y_label = "y",
              .series = {{"sst2", {1, 2, 12}, {0.5, 0.7, 0.8}}, {"rte", {3, 12}, {0.5, 0.55}}}};
  c.x_min = 1;
  c.x_max = 12;
  const std::string s = render(c);
  EXPECT_EQ(s.rfind("<svg id=\"curves\" class=\"chart line\"", 0), 0u) << s.substr(0, 80);
  EXPECT_EQ(count(s, "<polyline"), 2);
  EXPECT_NE(s.find("data-series=\"sst2\""), std::string::npos);
  EXPECT_NE(s.find("t &lt;1&gt;"), std::string::npos);  // the title is escaped
  // Three points for sst2: x = 1 sits on the left edge of the plot (56 px in).
  const size_t p = s.find("points=\"", s.find("data-series=\"sst2\"")) + 8;
  const std::string pts = s.substr(p, s.find('"', p) - p);
  EXPECT_EQ(count(pts, ","), 3) << pts;
  EXPECT_EQ(pts.rfind("56.0,", 0), 0u) << pts;
}

TEST(ReportSvg, StackedBarsKeepOneColourPerSegmentName) {
  BarChart c{.id = "energy", .title = "e", .unit = "pJ",
             .bars = {{"a", {{"MACs", 3}, {"SRAM", 1}}}, {"b", {{"SRAM", 2}, {"MACs", 2}, {"none", 0}}}}};
  const std::string s = render(c);
  EXPECT_EQ(count(s, "class=\"segment\""), 4);  // zero-width segments are left out
  const auto fill_of = [&](size_t from) {
    const size_t p = s.find("fill=\"", from) + 6;
    return s.substr(p, 7);
  };
  const size_t first = s.find("data-segment=\"SRAM\""), second = s.find("data-segment=\"SRAM\"", first + 1);
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(fill_of(first), fill_of(second));
  EXPECT_NE(s.find(">4 pJ<"), std::string::npos);  // each bar's total
}

}  // namespace
}  // namespace edgemt::report
