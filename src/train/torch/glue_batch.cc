// Dynamic-padding batches and GLUE metrics for fine-tuning and the EdgeBERT pipeline.
#include "train/torch/glue_batch.h"

#include "core/error.h"
#include "text/metrics.h"

namespace edgemt::train {

Batch make_batch(const TaskSplit& s, std::span<const size_t> rows, int pad_id, bool regression,
                 const torch::Device& device) {
  int64_t T = 0;
  for (size_t r : rows) T = std::max(T, s.offsets[r + 1] - s.offsets[r]);
  const auto B = static_cast<int64_t>(rows.size());
  auto ids = torch::full({B, T}, pad_id, torch::kLong), types = torch::zeros({B, T}, torch::kLong),
       mask = torch::zeros({B, T}, torch::kLong);
  auto labels = torch::empty({B}, regression ? torch::kFloat : torch::kLong);
  auto I = ids.accessor<int64_t, 2>(), Y = types.accessor<int64_t, 2>(), M = mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const size_t r = rows[static_cast<size_t>(b)];
    const int64_t begin = s.offsets[r], n = s.offsets[r + 1] - begin;
    for (int64_t t = 0; t < n; ++t) {
      I[b][t] = s.ids[static_cast<size_t>(begin + t)];
      Y[b][t] = t >= s.segment_a[r] ? 1 : 0;
      M[b][t] = 1;
    }
    if (regression)
      labels[b] = s.labels[r];
    else
      labels[b] = static_cast<int64_t>(s.labels[r]);
  }
  return {ids.to(device), types.to(device), mask.to(device), labels.to(device)};
}

const glue::TaskSpec& task_of(const TaskData& data, const std::filesystem::path& path) {
  const glue::TaskSpec* task = glue::find_task(data.glue_task);
  if (!task) throw Error(path.string() + ": unknown GLUE task '" + data.glue_task + "'");
  return *task;
}

std::map<std::string, double> glue_metrics(const glue::TaskSpec& task, const std::vector<float>& pred,
                                           const std::vector<float>& gold) {
  std::map<std::string, double> out;
  std::vector<int> pi, gi;
  std::vector<double> pd, gd;
  for (size_t i = 0; i < pred.size(); ++i) {
    pi.push_back(static_cast<int>(pred[i]));
    gi.push_back(static_cast<int>(gold[i]));
    pd.push_back(pred[i]);
    gd.push_back(gold[i]);
  }
  for (glue::Metric m : task.metrics) {
    const std::string key(glue::metric_key(m));
    switch (m) {
      case glue::Metric::Accuracy: out[key] = metrics::accuracy(pi, gi); break;
      case glue::Metric::F1: out[key] = metrics::f1_binary(pi, gi); break;
      case glue::Metric::Mcc: out[key] = metrics::matthews(pi, gi); break;
      case glue::Metric::Pearson: out[key] = metrics::pearson(pd, gd); break;
      case glue::Metric::Spearman: out[key] = metrics::spearman(pd, gd); break;
    }
  }
  return out;
}

}  // namespace edgemt::train
