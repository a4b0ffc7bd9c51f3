// SOP pairs, n-gram masking and padded batches (see pretrain_data.h for the rules).
#include "train/pretrain_data.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace edgemt::train {

namespace {

size_t uniform(Rng& rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
double unit(Rng& rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

size_t document_of(const Shard& s, size_t sentence) {
  return static_cast<size_t>(std::upper_bound(s.doc_start.begin(), s.doc_start.end(), sentence) - s.doc_start.begin()) -
         1;
}

// n in 1..max_n with p(n) ∝ 1/n (ALBERT's n-gram masking).
int sample_ngram(int max_n, Rng& rng) {
  double total = 0;
  for (int n = 1; n <= max_n; ++n) total += 1.0 / n;
  double r = unit(rng) * total;
  for (int n = 1; n <= max_n; ++n) {
    r -= 1.0 / n;
    if (r < 0) return n;
  }
  return max_n;
}

bool is_special(int32_t id, const SpecialIds& s) {
  return id == s.pad || id == s.unk || id == s.cls || id == s.sep || id == s.mask;
}

}  // namespace

SopPair sample_sop_pair(const Shard& shard, size_t max_tokens, Rng& rng) {
  EDGEMT_CHECK(max_tokens >= 2);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    size_t s = uniform(rng, shard.num_sentences());
    const size_t d = document_of(shard, s);
    const size_t doc_begin = shard.doc_start[d], doc_end = shard.doc_start[d + 1];
    if (shard.sent_start[doc_end] - shard.sent_start[doc_begin] < 2) continue;  // cannot make two segments
    // Consecutive sentences from s until the budget is reached or the document ends.
    size_t e = s + 1;
    while (e < doc_end && shard.sent_start[e] - shard.sent_start[s] < max_tokens) ++e;
    if (e - s == 1 && s > doc_begin && e == doc_end) --s;  // the last sentence: pair it with the one before
    SopPair p;
    p.document = d;
    auto append = [&](std::vector<int32_t>& out, size_t from, size_t to) {
      out.insert(out.end(), shard.ids.begin() + static_cast<ptrdiff_t>(shard.sent_start[from]),
                 shard.ids.begin() + static_cast<ptrdiff_t>(shard.sent_start[to]));
    };
    if (e - s >= 2) {
      const size_t a_end = s + 1 + uniform(rng, e - s - 1);  // in [s+1, e-1]
      append(p.a, s, a_end);
      append(p.b, a_end, e);
    } else {  // a one-sentence document: split the sentence
      std::vector<int32_t> all;
      append(all, s, e);
      const size_t cut = 1 + uniform(rng, all.size() - 1);
      p.a.assign(all.begin(), all.begin() + static_cast<ptrdiff_t>(cut));
      p.b.assign(all.begin() + static_cast<ptrdiff_t>(cut), all.end());
    }
    while (p.a.size() + p.b.size() > max_tokens) (p.a.size() >= p.b.size() ? p.a : p.b).pop_back();
    p.swapped = unit(rng) < 0.5;
    if (p.swapped) std::swap(p.a, p.b);
    return p;
  }
  throw Error("shard: no document with at least two tokens was found to make a sentence-order pair");
}

MaskedSequence mask_pair(const SopPair& pair, const SpecialIds& sp, uint32_t vocab_size, const MaskingOptions& o,
                         Rng& rng) {
  MaskedSequence m;
  std::vector<char> candidate;  // 1 where a piece (not a special) sits
  auto push = [&](int32_t id, int32_t type, bool piece) {
    m.ids.push_back(id);
    m.type_ids.push_back(type);
    candidate.push_back(piece);
  };
  push(sp.cls, 0, false);
  for (int32_t id : pair.a) push(id, 0, true);
  push(sp.sep, 0, false);
  for (int32_t id : pair.b) push(id, 1, true);
  push(sp.sep, 1, false);
  m.labels.assign(m.ids.size(), kIgnoreLabel);

  const size_t pieces = pair.a.size() + pair.b.size();
  const size_t want =
      std::min({static_cast<size_t>(o.max_predictions), pieces,
                std::max<size_t>(1, static_cast<size_t>(std::lround(o.mask_prob * static_cast<double>(pieces))))});
  std::vector<size_t> starts;
  for (size_t i = 0; i < m.ids.size(); ++i)
    if (candidate[i]) starts.push_back(i);
  std::shuffle(starts.begin(), starts.end(), rng);
  std::vector<char> masked(m.ids.size(), 0);
  size_t count = 0;
  for (size_t start : starts) {
    if (count >= want) break;
    if (masked[start]) continue;
    size_t n = std::min(static_cast<size_t>(sample_ngram(o.max_ngram, rng)), want - count);
    size_t len = 0;  // the longest prefix of the span that is still maskable
    while (len < n && start + len < m.ids.size() && candidate[start + len] && !masked[start + len]) ++len;
    for (size_t i = start; i < start + len; ++i) masked[i] = 1;
    count += len;
  }
  for (size_t i = 0; i < m.ids.size(); ++i) {
    if (!masked[i]) continue;
    m.labels[i] = m.ids[i];
    const double r = unit(rng);
    if (r < 0.8) {
      m.ids[i] = sp.mask;
    } else if (r < 0.9) {
      int32_t id;
      do id = static_cast<int32_t>(uniform(rng, vocab_size));
      while (is_special(id, sp));
      m.ids[i] = id;
    }  // else: kept as is
  }
  return m;
}

PretrainBatch make_batch(const Shard& shard, int batch, int seq, const MaskingOptions& options, Rng& rng) {
  EDGEMT_CHECK(batch >= 1 && seq >= 5);
  std::vector<MaskedSequence> rows;
  PretrainBatch b;
  b.batch = batch;
  for (int i = 0; i < batch; ++i) {
    const SopPair p = sample_sop_pair(shard, static_cast<size_t>(seq) - 3, rng);
    rows.push_back(mask_pair(p, shard.specials, shard.vocab_size, options, rng));
    b.sop_labels.push_back(p.swapped ? 1 : 0);
    b.seq = std::max<int64_t>(b.seq, static_cast<int64_t>(rows.back().ids.size()));
  }
  const size_t n = static_cast<size_t>(b.batch * b.seq);
  b.ids.assign(n, shard.specials.pad);
  b.type_ids.assign(n, 0);
  b.attention_mask.assign(n, 0);
  b.mlm_labels.assign(n, kIgnoreLabel);
  for (size_t r = 0; r < rows.size(); ++r) {
    const size_t base = r * static_cast<size_t>(b.seq);
    for (size_t t = 0; t < rows[r].ids.size(); ++t) {
      b.ids[base + t] = rows[r].ids[t];
      b.type_ids[base + t] = rows[r].type_ids[t];
      b.attention_mask[base + t] = 1;
      b.mlm_labels[base + t] = rows[r].labels[t];
    }
    b.real_tokens += static_cast<int64_t>(rows[r].ids.size());
  }
  return b;
}

}  // namespace edgemt::train
