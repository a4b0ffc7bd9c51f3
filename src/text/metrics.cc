// Metric formulas; sizes are checked by the caller (equal, non-empty).
#include "text/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/error.h"

namespace edgemt::metrics {

double accuracy(std::span<const int> pred, std::span<const int> gold) {
  EDGEMT_CHECK(pred.size() == gold.size() && !gold.empty());
  size_t ok = 0;
  for (size_t i = 0; i < gold.size(); ++i) ok += pred[i] == gold[i];
  return static_cast<double>(ok) / static_cast<double>(gold.size());
}

double f1_binary(std::span<const int> pred, std::span<const int> gold) {
  EDGEMT_CHECK(pred.size() == gold.size() && !gold.empty());
  double tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    tp += pred[i] == 1 && gold[i] == 1;
    fp += pred[i] == 1 && gold[i] != 1;
    fn += pred[i] != 1 && gold[i] == 1;
  }
  return tp + fp + fn == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
}

double matthews(std::span<const int> pred, std::span<const int> gold) {
  EDGEMT_CHECK(pred.size() == gold.size() && !gold.empty());
  EDGEMT_CHECK(*std::min_element(pred.begin(), pred.end()) >= 0 && *std::min_element(gold.begin(), gold.end()) >= 0);
  const int k = 1 + std::max(*std::max_element(pred.begin(), pred.end()), *std::max_element(gold.begin(), gold.end()));
  std::vector<double> t(static_cast<size_t>(k)), p(static_cast<size_t>(k));  // per-class gold / predicted counts
  double c = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    t[static_cast<size_t>(gold[i])] += 1;
    p[static_cast<size_t>(pred[i])] += 1;
    c += pred[i] == gold[i];
  }
  const double s = static_cast<double>(gold.size());
  const double tp = std::inner_product(t.begin(), t.end(), p.begin(), 0.0);
  const double pp = std::inner_product(p.begin(), p.end(), p.begin(), 0.0);
  const double tt = std::inner_product(t.begin(), t.end(), t.begin(), 0.0);
  const double den = std::sqrt((s * s - pp) * (s * s - tt));
  return den == 0 ? 0.0 : (c * s - tp) / den;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  EDGEMT_CHECK(x.size() == y.size() && !x.empty());
  // Constant input by value, as scipy: the mean of equal values need not be exact (three 0.1s average
  // to 0.10000000000000002), which would leave ~1e-17 deviations and a meaningless finite result.
  const auto constant = [](std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [&](double a) { return a == v[0]; });
  };
  if (constant(x) || constant(y)) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

namespace {

// 1-based ranks, ties get the mean of the ranks they span.
std::vector<double> ranks(std::span<const double> v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) r[order[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

}  // namespace

double spearman(std::span<const double> x, std::span<const double> y) {
  // NaN propagates (scipy's default); it would also break the sort's ordering in ranks().
  const auto has_nan = [](std::span<const double> v) {
    return std::any_of(v.begin(), v.end(), [](double a) { return std::isnan(a); });
  };
  if (has_nan(x) || has_nan(y)) return std::numeric_limits<double>::quiet_NaN();
  const auto rx = ranks(x), ry = ranks(y);
  return pearson(rx, ry);
}

}  // namespace edgemt::metrics
