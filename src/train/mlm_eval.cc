// Held-out masked-LM accuracy through the engine's forward pass (batches of 16 sequences).
#include "train/mlm_eval.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace edgemt::train {

MlmEvalResult evaluate_mlm(const AlbertModel& model, const Shard& heldout, int sequences, int seq, uint64_t seed,
                           const std::function<void(size_t done)>& progress) {
  const AlbertConfig& c = model.config();
  if (!model.weights().mlm) throw Error("mlm-eval: the model has no masked-LM head (predictions.*)");
  if (heldout.vocab_size != static_cast<uint32_t>(c.vocab_size))
    throw Error("mlm-eval: the text was tokenised with " + std::to_string(heldout.vocab_size) +
                " pieces, the model has vocab_size " + std::to_string(c.vocab_size));
  if (seq < 5 || seq > c.max_position_embeddings)
    throw Error("mlm-eval: --seq must be in [5, " + std::to_string(c.max_position_embeddings) + "]");
  Rng rng(seed);
  const MaskingOptions masking;
  const auto V = static_cast<size_t>(c.vocab_size);
  MlmEvalResult r;
  double loss = 0;
  size_t correct = 0;
  constexpr int kBatch = 16;
  for (int done = 0; done < sequences; done += kBatch) {
    std::vector<Sequence> batch;
    std::vector<std::vector<int32_t>> labels;
    for (int i = 0; i < std::min(kBatch, sequences - done); ++i) {
      const MaskedSequence m =
          mask_pair(sample_sop_pair(heldout, static_cast<size_t>(seq - 3), rng), heldout.specials, heldout.vocab_size,
                    masking, rng);
      batch.push_back({m.ids, m.type_ids, {}});
      labels.push_back(m.labels);
    }
    const ForwardOutput out = model.forward(batch, {.mlm = true});
    for (size_t b = 0; b < batch.size(); ++b)
      for (size_t t = 0; t < labels[b].size(); ++t) {
        if (labels[b][t] == kIgnoreLabel) continue;
        const float* row = out.mlm_logits.data() + (static_cast<size_t>(out.offsets[b]) + t) * V;  // [V]
        const float top = *std::max_element(row, row + V);
        double sum = 0;
        for (size_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(row[v] - top));
        const auto gold = static_cast<size_t>(labels[b][t]);
        loss += std::log(sum) - static_cast<double>(row[gold] - top);
        correct += static_cast<size_t>(std::max_element(row, row + V) - row) == gold;
        ++r.masked;
      }
    r.sequences += batch.size();
    if (progress) progress(r.sequences);
  }
  r.accuracy = r.masked ? static_cast<double>(correct) / static_cast<double>(r.masked) : 0;
  r.loss = r.masked ? loss / static_cast<double>(r.masked) : 0;
  return r;
}

}  // namespace edgemt::train
