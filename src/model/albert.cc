// ALBERT forward: reads like ALGORITHMS.md §1. Rows are tokens of all sequences packed together
// (N = Σ T); only attention looks at sequence boundaries.
#include "model/albert.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/attention.h"
#include "kernels/linear.h"
#include "kernels/norm_act.h"
#include "kernels/softmax_entropy.h"

namespace edgemt {

namespace {

void apply(const LinearW& l, const float* x, int N, float* y) { linear(l, x, N, y); }  // x [N, in] → y [N, out]

// The intermediate buffers of one forward pass's layer applications, allocated once and reused by all
// of them (N only shrinks as sequences exit): new vectors per layer cost page faults and zeroing in
// every layer. Every element is written before it is read.
struct LayerScratch {
  std::vector<float> qkv, ctx, a, f, s;  // [N, 3H], [N, H], [N, H], [N, I], [N, m + H] (apply_adapter)
};

// Layer application l in place on h [N, H]; with task adapters `ta` (ALGORITHMS.md §2) the Houlsby
// bottlenecks run after attention.dense and ffn_output and the task's LayerNorms replace the layer's.
// With spans, each head attends only within its span (ALGORITHMS.md §5).
void albert_layer(const AlbertConfig& c, const LayerW& lw, const TaskAdapters* ta, const AttentionSpans* spans, int l,
                  std::span<const ops::SeqSpan> seqs, int N, std::vector<float>& h, LayerScratch& scratch) {
  const int H = c.hidden_size, I = c.intermediate_size;
  const auto eps = static_cast<float>(c.layer_norm_eps);
  const AdapterSetW* set = ta ? &ta->at(l) : nullptr;
  const NormW& attn_ln = set ? set->attention_norm : lw.attn_ln;
  const NormW& full_ln = set ? set->full_norm : lw.full_ln;
  scratch.qkv.resize(static_cast<size_t>(N) * 3 * H);
  scratch.ctx.resize(static_cast<size_t>(N) * H);
  scratch.a.resize(static_cast<size_t>(N) * H);
  scratch.f.resize(static_cast<size_t>(N) * I);
  scratch.s.resize(set ? static_cast<size_t>(N) * (ta->spec.size + H) : 0);
  float *qkv = scratch.qkv.data(), *ctx = scratch.ctx.data(), *a = scratch.a.data(), *f = scratch.f.data(),
        *s = scratch.s.data();
  apply(lw.qkv, h.data(), N, qkv);
  std::vector<ops::HeadSpan> head_spans;  // [NH]
  if (spans)
    for (int k = 0; k < c.num_attention_heads; ++k) head_spans.push_back({spans->at(l)[k], spans->ramp});
  ops::attention(qkv, H, c.num_attention_heads, seqs, ctx, spans ? head_spans.data() : nullptr);
  apply(lw.attn_out, ctx, N, a);
  if (set) apply_adapter(set->attention, ta->spec.activation, a, N, s);  // a += up(f(down(a)))
  ops::layer_norm(a, h.data(), N, H, attn_ln.gamma, attn_ln.beta, eps, a);  // a = LN(h + attn)
  apply(lw.ffn, a, N, f);
  ops::activate(c.hidden_act, f, static_cast<long>(N) * I);
  apply(lw.ffn_out, f, N, h.data());
  if (set) apply_adapter(set->ffn, ta->spec.activation, h.data(), N, s);  // z += up(f(down(z)))
  ops::layer_norm(h.data(), a, N, H, full_ln.gamma, full_ln.beta, eps, h.data());  // h = LN(ffn + a)
}

// After layer l: the off-ramp on the running sequences' [CLS] rows, their entropies, and the exits
// (ALGORITHMS.md §3–4). Exited sequences' rows move to `all` [total_rows, H]; h, seqs and running are
// compacted to the sequences still running.
void exit_after_layer(const EarlyExit& ee, const OffRampW& ramp, int l, ForwardOutput& out, std::vector<int>& running,
                      std::vector<ops::SeqSpan>& seqs, int& N, std::vector<float>& h, std::vector<float>& all,
                      int total_rows, int H, float eps) {
  const int Br = static_cast<int>(seqs.size()), C = ramp.classifier.out;
  std::vector<float> cls(static_cast<size_t>(Br) * H);  // [Br, H] h₀ of each running sequence
  for (int k = 0; k < Br; ++k)
    std::copy_n(h.data() + static_cast<long>(seqs[static_cast<size_t>(k)].offset) * H, H, cls.data() + static_cast<long>(k) * H);
  std::vector<float> logits(static_cast<size_t>(Br) * C), entropy(static_cast<size_t>(Br));  // [Br, C], [Br]
  apply_offramp(ramp, ee.ramps->kind, cls.data(), Br, H, eps, logits.data());
  ops::softmax_entropy(logits.data(), Br, C, nullptr, entropy.data());
  std::vector<bool> leaves(static_cast<size_t>(Br));
  bool any = false;
  for (int k = 0; k < Br; ++k) {
    const auto b = static_cast<size_t>(running[static_cast<size_t>(k)]);
    const float e = entropy[static_cast<size_t>(k)];
    out.entropies[b].back() = e;
    const float* z = logits.data() + static_cast<long>(k) * C;  // [C]
    out.ramp_labels[b].back() = static_cast<int>(std::max_element(z, z + C) - z);
    bool exit = e < ee.threshold;  // NaN never exits
    if (!exit && ee.exit_at_predicted && out.predicted_exit_layer[b] == l) exit = true;
    if (!exit && ee.predict && l == ee.predict_after) out.predicted_exit_layer[b] = ee.predict(e);
    if (exit) {
      out.exit_layer[b] = l;
      std::copy_n(logits.data() + static_cast<long>(k) * C, C, out.exit_logits.data() + b * C);
    }
    leaves[static_cast<size_t>(k)] = exit;
    any = any || exit;
  }
  if (!any) return;
  if (all.empty()) all.resize(static_cast<size_t>(total_rows) * H);
  std::vector<float> kept;  // [N', H]
  kept.reserve(h.size());
  std::vector<ops::SeqSpan> kept_seqs;
  std::vector<int> kept_running;
  int n = 0;
  for (int k = 0; k < Br; ++k) {
    const ops::SeqSpan& s = seqs[static_cast<size_t>(k)];
    const float* rows = h.data() + static_cast<long>(s.offset) * H;
    const long count = static_cast<long>(s.length) * H;
    const int b = running[static_cast<size_t>(k)];
    if (leaves[static_cast<size_t>(k)]) {
      std::copy_n(rows, count, all.data() + static_cast<long>(out.offsets[static_cast<size_t>(b)]) * H);
      continue;
    }
    kept.insert(kept.end(), rows, rows + count);
    kept_seqs.push_back({n, s.length, s.key_mask});
    kept_running.push_back(b);
    n += s.length;
  }
  h = std::move(kept);
  seqs = std::move(kept_seqs);
  running = std::move(kept_running);
  N = n;
}

}  // namespace

void AlbertModel::validate(std::span<const Sequence> batch) const {
  for (size_t b = 0; b < batch.size(); ++b) {
    const auto& s = batch[b];
    const std::string where = "input sequence " + std::to_string(b) + ": ";
    if (s.ids.empty()) throw Error(where + "has no tokens");
    if (s.type_ids.size() != s.ids.size() || (!s.mask.empty() && s.mask.size() != s.ids.size()))
      throw Error(where + "ids, token types and mask differ in length");
    if (s.ids.size() > static_cast<size_t>(c_.max_position_embeddings))
      throw Error(where + std::to_string(s.ids.size()) + " tokens exceed max_position_embeddings " +
                  std::to_string(c_.max_position_embeddings));
    for (size_t t = 0; t < s.ids.size(); ++t) {
      if (s.ids[t] < 0 || s.ids[t] >= c_.vocab_size)
        throw Error(where + "token id " + std::to_string(s.ids[t]) + " outside vocabulary [0, " + std::to_string(c_.vocab_size) + ")");
      if (s.type_ids[t] < 0 || s.type_ids[t] >= c_.type_vocab_size)
        throw Error(where + "token type " + std::to_string(s.type_ids[t]) + " outside [0, " + std::to_string(c_.type_vocab_size) + ")");
    }
  }
}

void AlbertModel::embed(std::span<const Sequence> batch, std::vector<float>& h) const {
  const int E = c_.embedding_size;
  int N = 0;
  for (const auto& s : batch) N += static_cast<int>(s.ids.size());
  std::vector<float> e(static_cast<size_t>(N) * E);  // [N, E]
  int row = 0;
  for (const auto& s : batch)
    for (size_t t = 0; t < s.ids.size(); ++t, ++row) {
      const float* wv = w_.word_emb + static_cast<long>(s.ids[t]) * E;
      const float* pv = w_.pos_emb + static_cast<long>(t) * E;
      const float* tv = w_.type_emb + static_cast<long>(s.type_ids[t]) * E;
      float* out = e.data() + static_cast<long>(row) * E;
      for (int j = 0; j < E; ++j) out[j] = wv[j] + tv[j] + pv[j];  // HF order: word + type, then + position
    }
  ops::layer_norm(e.data(), nullptr, N, E, w_.emb_ln.gamma, w_.emb_ln.beta, static_cast<float>(c_.layer_norm_eps), e.data());
  h.assign(static_cast<size_t>(N) * c_.hidden_size, 0.0f);
  apply(w_.proj, e.data(), N, h.data());  // hidden.0 [N, H]
}

ForwardOutput AlbertModel::forward(std::span<const Sequence> batch, ForwardOptions options) const {
  validate(batch);
  if (options.mlm && !w_.mlm) throw Error("the model has no masked-LM head (predictions.*)");
  const int H = c_.hidden_size, L = c_.total_layers(), B = static_cast<int>(batch.size());
  if (const TaskAdapters* ta = options.adapters) {  // loaded for another config: a caller's bug
    EDGEMT_CHECK(static_cast<int>(ta->sets.size()) == adapter_set_count(c_, ta->spec));
    EDGEMT_CHECK(ta->sets[0].attention.up.out == H && ta->sets[0].attention.down.out == ta->spec.size);
  }
  if (const AttentionSpans* sp = options.spans)  // loaded for another config: a caller's bug
    EDGEMT_CHECK(sp->heads == c_.num_attention_heads && sp->z.size() == static_cast<size_t>(sp->heads) * (sp->shared ? 1 : L));
  const EarlyExit* ee = options.early_exit;
  if (ee) {
    EDGEMT_CHECK(ee->ramps && static_cast<int>(ee->ramps->after.size()) == L && ee->threshold > 0.0f);
    if (options.keep_hidden_states) throw Error("hidden states cannot be kept when sequences exit early");
  }
  ForwardOutput out;
  std::vector<ops::SeqSpan> seqs;  // the running sequences, packed
  std::vector<int> running;        // [seqs] index in `batch` of each running sequence
  int N = 0;
  for (int b = 0; b < B; ++b) {
    const Sequence& s = batch[static_cast<size_t>(b)];
    out.offsets.push_back(N);
    seqs.push_back({N, static_cast<int>(s.ids.size()), s.mask.empty() ? nullptr : s.mask.data()});
    running.push_back(b);
    N += static_cast<int>(s.ids.size());
  }
  const int total_rows = N;
  std::vector<float> h;  // [N, H]
  embed(batch, h);
  if (options.keep_hidden_states) out.hidden_states.push_back(h);
  int C = 0;
  if (ee) {
    out.exit_layer.assign(static_cast<size_t>(B), L);
    out.predicted_exit_layer.assign(static_cast<size_t>(B), 0);
    out.entropies.resize(static_cast<size_t>(B));
    out.ramp_labels.resize(static_cast<size_t>(B));
    for (const auto& r : ee->ramps->after)
      if (r) C = r->classifier.out;
    out.exit_logits.assign(static_cast<size_t>(B) * std::max(C, 1), 0.0f);
  }
  std::vector<float> all;  // [total_rows, H] rows of sequences that left, allocated at the first exit
  LayerScratch scratch;
  int l = 0;               // layer applications done, inner group layers counted
  for (int i = 0; i < c_.num_hidden_layers && !seqs.empty(); ++i) {
    const auto& group = w_.groups[static_cast<size_t>(i / c_.layers_per_group())];
    for (size_t gi = 0; gi < group.size() && !seqs.empty(); ++gi) {
      albert_layer(c_, group[gi], options.adapters, options.spans, l++, seqs, N, h, scratch);
      if (options.keep_hidden_states) out.hidden_states.push_back(h);
      if (!ee) continue;
      for (int b : running) {
        out.entropies[static_cast<size_t>(b)].push_back(std::numeric_limits<float>::quiet_NaN());
        out.ramp_labels[static_cast<size_t>(b)].push_back(-1);
      }
      const OffRampW* ramp = l < L ? ee->ramps->at(l) : nullptr;  // after layer L: the task head
      if (!ramp) continue;
      exit_after_layer(*ee, *ramp, l, out, running, seqs, N, h, all, total_rows, H, static_cast<float>(c_.layer_norm_eps));
    }
  }
  if (!all.empty()) {  // the rest ran to the end: put their rows beside the exited ones
    for (size_t k = 0; k < seqs.size(); ++k)
      std::copy_n(h.data() + static_cast<long>(seqs[k].offset) * H, static_cast<long>(seqs[k].length) * H,
                  all.data() + static_cast<long>(out.offsets[static_cast<size_t>(running[k])]) * H);
    h = std::move(all);
    N = total_rows;
  }
  if (w_.pooler) {
    std::vector<float> first(static_cast<size_t>(B) * H);  // [B, H] the [CLS] rows
    for (int b = 0; b < B; ++b)
      std::copy_n(h.data() + static_cast<long>(out.offsets[b]) * H, H, first.data() + static_cast<long>(b) * H);
    out.pooled.resize(static_cast<size_t>(B) * H);
    apply(*w_.pooler, first.data(), B, out.pooled.data());
    ops::tanh_inplace(out.pooled.data(), static_cast<long>(B) * H);
    if (w_.classifier) {
      out.logits.resize(static_cast<size_t>(B) * w_.classifier->out);
      apply(*w_.classifier, out.pooled.data(), B, out.logits.data());
    }
  }
  if (options.mlm) {
    const auto& m = *w_.mlm;
    const int E = c_.embedding_size, V = c_.vocab_size;
    std::vector<float> e(static_cast<size_t>(N) * E);  // [N, E]
    apply(m.dense, h.data(), N, e.data());
    ops::activate(c_.hidden_act, e.data(), static_cast<long>(N) * E);
    ops::layer_norm(e.data(), nullptr, N, E, m.ln.gamma, m.ln.beta, static_cast<float>(c_.layer_norm_eps), e.data());
    out.mlm_logits.resize(static_cast<size_t>(N) * V);
    ops::linear(e.data(), N, E, E, m.decoder_w, m.decoder_b, V, out.mlm_logits.data(), V);  // [N, V]
  }
  out.last_hidden = std::move(h);
  return out;
}

}  // namespace edgemt
