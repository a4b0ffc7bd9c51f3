// GLUE metrics over predictions and gold labels: accuracy, binary F1, Matthews correlation,
// Pearson and Spearman (average ranks for ties, as scipy does).
#pragma once

#include <span>

namespace edgemt::metrics {

double accuracy(std::span<const int> pred, std::span<const int> gold);
// F1 of the positive class (id 1); 0 when there are no positive predictions nor gold positives.
double f1_binary(std::span<const int> pred, std::span<const int> gold);
// Matthews correlation for any number of classes (sklearn's formula); 0 when undefined.
double matthews(std::span<const int> pred, std::span<const int> gold);
// NaN when either side has zero variance (as scipy).
double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);

}  // namespace edgemt::metrics
