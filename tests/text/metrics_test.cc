// GLUE metrics against values worked out independently: by hand from the definitions (shown in
// comments) and the scipy / scikit-learn documentation examples, plus invariance properties.
#include "text/metrics.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"

namespace edgemt::metrics {
namespace {

using Ints = std::vector<int>;
using Reals = std::vector<double>;

// Results are a few floating-point operations from the exact value; 1e-12 is far below any
// difference a wrong formula (or a wrong tie rule) would make.
constexpr double kTol = 1e-12;

TEST(Metrics, Accuracy) {
  EXPECT_DOUBLE_EQ(accuracy(Ints{0, 1, 1, 0, 1}, Ints{0, 1, 0, 0, 0}), 3.0 / 5.0);  // positions 0, 1, 3
  EXPECT_DOUBLE_EQ(accuracy(Ints{2, 0, 1, 2}, Ints{2, 1, 1, 0}), 0.5);              // 3 classes: 0 and 2
  EXPECT_DOUBLE_EQ(accuracy(Ints{1, 1, 1}, Ints{1, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(accuracy(Ints{0, 0}, Ints{1, 1}), 0.0);
}

TEST(Metrics, F1OfThePositiveClass) {
  // tp 2 (0, 3), fp 1 (1), fn 1 (4): P = R = 2/3, F1 = 2/3.
  EXPECT_NEAR(f1_binary(Ints{1, 1, 0, 1, 0, 0}, Ints{1, 0, 0, 1, 1, 0}), 2.0 / 3.0, kTol);
  // tp 1, fp 2, fn 3: P = 1/3, R = 1/4, F1 = 2PR/(P+R) = (1/6)/(7/12) = 2/7.
  EXPECT_NEAR(f1_binary(Ints{1, 1, 1, 0, 0, 0}, Ints{1, 0, 0, 1, 1, 1}), 2.0 / 7.0, kTol);
  // Argument order matters (P and R swap roles but F1 is symmetric in them): same value swapped.
  EXPECT_NEAR(f1_binary(Ints{1, 0, 0, 1, 1, 1}, Ints{1, 1, 1, 0, 0, 0}), 2.0 / 7.0, kTol);
  EXPECT_DOUBLE_EQ(f1_binary(Ints{1, 0, 1}, Ints{1, 0, 1}), 1.0);
  // Class 0 agreement does not count: no true positives at all.
  EXPECT_DOUBLE_EQ(f1_binary(Ints{0, 0, 1}, Ints{0, 0, 0}), 0.0);
}

TEST(Metrics, F1WithoutPositivePredictionsIsZero) {
  // Gold has positives, nothing predicted positive: precision undefined, recall 0 → F1 0 (sklearn).
  EXPECT_DOUBLE_EQ(f1_binary(Ints{0, 0, 0}, Ints{1, 0, 1}), 0.0);
  // No positives on either side: documented as 0 rather than NaN.
  const double none = f1_binary(Ints{0, 0, 0}, Ints{0, 0, 0});
  EXPECT_FALSE(std::isnan(none));
  EXPECT_DOUBLE_EQ(none, 0.0);
}

TEST(Metrics, MatthewsBinary) {
  // sklearn docs: matthews_corrcoef([+1, +1, +1, -1], [+1, -1, +1, +1]) = -0.333…, ids -1 → 0, +1 → 1.
  // Confusion matrix: TP 2, TN 0, FP 1, FN 1: (TP·TN − FP·FN) / sqrt(3·3·1·1) = −1/3.
  const Ints gold{1, 1, 1, 0}, pred{1, 0, 1, 1};
  EXPECT_NEAR(matthews(pred, gold), -1.0 / 3.0, kTol);
  // TP 3, TN 4, FP 2, FN 1: (12 − 2) / sqrt(5·4·6·5) = 10 / sqrt(600) = 1/sqrt(6).
  const Ints gold2{1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, pred2{1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
  EXPECT_NEAR(matthews(pred2, gold2), 1.0 / std::sqrt(6.0), kTol);
  EXPECT_NEAR(matthews(gold2, pred2), 1.0 / std::sqrt(6.0), kTol);  // symmetric
  EXPECT_NEAR(matthews(Ints{0, 1, 1, 0}, Ints{0, 1, 1, 0}), 1.0, kTol);
  EXPECT_NEAR(matthews(Ints{1, 0, 0, 1}, Ints{0, 1, 1, 0}), -1.0, kTol);
}

TEST(Metrics, MatthewsMulticlass) {
  // sklearn's multiclass MCC (Gorodkin's R_K) = cov(X, Y) / sqrt(cov(X, X) cov(Y, Y)) over the
  // one-hot matrices X (gold) and Y (pred), each column centred. gold 0 0 1 1 2 2, pred 0 1 1 1 2 0:
  //   column means gold (1/3, 1/3, 1/3), pred (1/3, 1/2, 1/6);
  //   cov(X, Y) = Σ_k Σ_i x_ik y_ik − n·mx_k·my_k = (1 − 2/3) + (2 − 1) + (1 − 1/3) = 2;
  //   cov(X, X) = 3·(2 − 2/3) = 4;  cov(Y, Y) = (2 − 2/3) + (3 − 3/2) + (1 − 1/6) = 11/3;
  //   MCC = 2 / sqrt(44/3) = 3 / sqrt(33) = 0.52223…
  const Ints gold{0, 0, 1, 1, 2, 2}, pred{0, 1, 1, 1, 2, 0};
  EXPECT_NEAR(matthews(pred, gold), 3.0 / std::sqrt(33.0), kTol);
  EXPECT_NEAR(matthews(gold, pred), 3.0 / std::sqrt(33.0), kTol);
  EXPECT_NEAR(matthews(Ints{2, 0, 1, 2}, Ints{2, 0, 1, 2}), 1.0, kTol);
  // A class only the predictions use (3 is never gold): gold 0 0 1 1, pred 0 3 1 1;
  //   column means gold (1/2, 1/2, 0, 0), pred (1/4, 1/2, 0, 1/4);
  //   cov(X,Y) = (1 − 4·1/2·1/4) + (2 − 4·1/2·1/2) + 0 + 0 = 1/2 + 1 = 3/2;
  //   cov(X,X) = 2·(2 − 1) = 2; cov(Y,Y) = (1 − 1/4) + (2 − 1) + (1 − 1/4) = 5/2;
  //   MCC = (3/2) / sqrt(5) = 0.67082…
  EXPECT_NEAR(matthews(Ints{0, 3, 1, 1}, Ints{0, 0, 1, 1}), 1.5 / std::sqrt(5.0), kTol);
}

TEST(Metrics, MatthewsUndefinedIsZero) {
  // A constant prediction (or gold) has zero variance: sklearn returns 0, not NaN.
  EXPECT_DOUBLE_EQ(matthews(Ints{1, 1, 1, 1}, Ints{0, 1, 0, 1}), 0.0);
  EXPECT_DOUBLE_EQ(matthews(Ints{0, 1, 0, 1}, Ints{2, 2, 2, 2}), 0.0);
  EXPECT_DOUBLE_EQ(matthews(Ints{0, 0}, Ints{0, 0}), 0.0);
}

TEST(Metrics, PearsonScipyExample) {
  // scipy docs: pearsonr([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4]) = −0.7426106572325057.
  // By hand: means 3 and 6.3; Σdxdy = −15, Σdx² = 10, Σdy² = 40.8 → −15 / sqrt(408).
  const Reals x{1, 2, 3, 4, 5}, y{10, 9, 2.5, 6, 4};
  EXPECT_NEAR(pearson(x, y), -0.7426106572325057, kTol);
  EXPECT_NEAR(pearson(x, y), -15.0 / std::sqrt(408.0), kTol);
  EXPECT_NEAR(pearson(y, x), -0.7426106572325057, kTol);  // symmetric
  EXPECT_NEAR(pearson(x, x), 1.0, kTol);
}

TEST(Metrics, PearsonInvariantUnderAffineMaps) {
  const Reals x{0.3, -1.2, 2.5, 4.0, 0.0, 1.1}, y{1.0, 0.5, 2.0, 3.5, -0.5, 0.7};
  const double r = pearson(x, y);
  Reals up, down;
  for (double v : x) {
    up.push_back(3.5 * v + 7.0);
    down.push_back(-0.25 * v + 1.0);
  }
  EXPECT_NEAR(pearson(up, y), r, kTol);
  EXPECT_NEAR(pearson(down, y), -r, kTol);  // a negative scale flips the sign
  // Not invariant under a monotone non-linear map: guards against ranks leaking into Pearson.
  Reals cubed;
  for (double v : x) cubed.push_back(v * v * v);
  EXPECT_GT(std::abs(pearson(cubed, y) - r), 1e-3);
}

TEST(Metrics, SpearmanScipyExampleWithTies) {
  // scipy docs: spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233.
  // The two 7s share ranks 3 and 4 → 3.5 each: ranks y = 1 2 3.5 5 3.5; Σdxdy = 8, Σdx² = 10,
  // Σdy² = 9.5 → 8 / sqrt(95).
  const Reals x{1, 2, 3, 4, 5}, y{5, 6, 7, 8, 7};
  EXPECT_NEAR(spearman(x, y), 0.8207826816681233, kTol);
  EXPECT_NEAR(spearman(x, y), 8.0 / std::sqrt(95.0), kTol);
  EXPECT_NEAR(spearman(y, x), 0.8207826816681233, kTol);
}

TEST(Metrics, SpearmanAverageRanks) {
  // No ties: ρ = 1 − 6Σd²/(n(n²−1)); ranks y = 3 1 2 6 5 4, d = −2 1 1 −2 0 2, Σd² = 14 → 1 − 84/210 = 0.6.
  EXPECT_NEAR(spearman(Reals{10, 20, 30, 40, 50, 60}, Reals{3, 1, 2, 6, 5, 4}), 0.6, kTol);
  // Ties on both sides: ranks x = 1 2.5 2.5 4, y = 1.5 1.5 3.5 3.5; Σdxdy = 3, Σdx² = 4.5, Σdy² = 4
  // → 3 / sqrt(18) = 1/sqrt(2).
  EXPECT_NEAR(spearman(Reals{1, 2, 2, 3}, Reals{1, 1, 2, 2}), 1.0 / std::sqrt(2.0), kTol);
  // Unsorted ties: y = 7 5 7 6 5 → ranks 4.5 1.5 4.5 3 1.5; Σdxdy = −4.5, Σdy² = 9 → −4.5 / sqrt(90).
  EXPECT_NEAR(spearman(Reals{1, 2, 3, 4, 5}, Reals{7, 5, 7, 6, 5}), -4.5 / std::sqrt(90.0), kTol);
  // A three-way tie: y = 2 2 2 1 3 → ranks 3 3 3 1 5; Σdxdy = 2, Σdy² = 8 → 2 / sqrt(80).
  EXPECT_NEAR(spearman(Reals{1, 2, 3, 4, 5}, Reals{2, 2, 2, 1, 3}), 2.0 / std::sqrt(80.0), kTol);
}

TEST(Metrics, SpearmanInvariantUnderMonotoneMaps) {
  const Reals x{0.3, -1.2, 2.5, 4.0, 0.0, 1.1, 2.5}, y{1.0, 0.5, 2.0, 3.5, -0.5, 0.7, 0.7};
  const double rho = spearman(x, y);
  Reals cubed, expd, flipped;
  for (double v : x) {
    cubed.push_back(v * v * v);
    expd.push_back(std::exp(v));
    flipped.push_back(-std::exp(v));
  }
  EXPECT_NEAR(spearman(cubed, y), rho, kTol);
  EXPECT_NEAR(spearman(expd, y), rho, kTol);
  EXPECT_NEAR(spearman(flipped, y), -rho, kTol);
  EXPECT_NEAR(spearman(y, x), rho, kTol);
  // Perfectly monotone but non-linear: Spearman 1, Pearson below 1.
  const Reals a{1, 2, 3, 4, 5}, b{1, 8, 27, 64, 125};
  EXPECT_NEAR(spearman(a, b), 1.0, kTol);
  EXPECT_LT(pearson(a, b), 1.0 - 1e-3);
}

TEST(Metrics, ConstantInputIsNaN) {
  EXPECT_TRUE(std::isnan(pearson(Reals{2, 2, 2}, Reals{1, 2, 3})));
  EXPECT_TRUE(std::isnan(pearson(Reals{1, 2, 3}, Reals{4, 4, 4})));
  EXPECT_TRUE(std::isnan(spearman(Reals{2, 2, 2}, Reals{1, 2, 3})));
  EXPECT_TRUE(std::isnan(spearman(Reals{1, 2, 3}, Reals{4, 4, 4})));
  // Constant values whose mean is not exact in binary: (0.1 + 0.1 + 0.1) / 3 = 0.10000000000000002,
  // so the deviations are ~1e-17, not 0 — the input is still constant (scipy: NaN).
  EXPECT_TRUE(std::isnan(pearson(Reals{0.1, 0.1, 0.1}, Reals{1, 2, 4})));
  EXPECT_TRUE(std::isnan(pearson(Reals{1, 2, 4}, Reals{0.7, 0.7, 0.7})));
  EXPECT_TRUE(std::isnan(spearman(Reals{0.1, 0.1, 0.1}, Reals{1, 2, 4})));
}

TEST(Metrics, NaNInputPropagates) {
  // scipy (nan_policy="propagate"): a NaN anywhere gives NaN, not a rank for the NaN.
  const double nan = std::nan("");
  EXPECT_TRUE(std::isnan(pearson(Reals{1, 2, nan, 4, 5}, Reals{1, 2, 3, 4, 5})));
  EXPECT_TRUE(std::isnan(spearman(Reals{1, 2, nan, 4, 5}, Reals{1, 2, 3, 4, 5})));
  EXPECT_TRUE(std::isnan(spearman(Reals{1, 2, 3, 4, 5}, Reals{5, 4, 3, 2, nan})));
}

TEST(Metrics, MismatchedOrEmptyInputsAreInternalErrors) {
  EXPECT_THROW(accuracy(Ints{1, 0}, Ints{1}), InternalError);
  EXPECT_THROW(accuracy(Ints{}, Ints{}), InternalError);
  EXPECT_THROW(f1_binary(Ints{1}, Ints{1, 0}), InternalError);
  EXPECT_THROW(matthews(Ints{1}, Ints{1, 0}), InternalError);
  EXPECT_THROW(pearson(Reals{1, 2}, Reals{1, 2, 3}), InternalError);
  EXPECT_THROW(spearman(Reals{1, 2}, Reals{1, 2, 3}), InternalError);
  EXPECT_THROW(spearman(Reals{}, Reals{}), InternalError);
  // Label ids index per-class counts: a negative id is a caller bug, not memory to scribble on.
  EXPECT_THROW(matthews(Ints{1, -1, 1}, Ints{1, 0, 1}), InternalError);
  EXPECT_THROW(matthews(Ints{1, 0, 1}, Ints{-1, 0, 1}), InternalError);
}

}  // namespace
}  // namespace edgemt::metrics
