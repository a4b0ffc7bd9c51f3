// ALBERT forward: reads like ALGORITHMS.md §1. Rows are tokens of all sequences packed together
// (N = Σ T); only attention looks at sequence boundaries.
#include "model/albert.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/attention.h"
#include "kernels/linear.h"
#include "kernels/norm_act.h"

namespace edgemt {

namespace {

void apply(const LinearW& l, const float* x, int N, float* y) { ops::linear(x, N, l.in, l.in, l.w, l.b, l.out, y, l.out); }

// Layer application l in place on h [N, H]; with task adapters `ta` (ALGORITHMS.md §2) the Houlsby
// bottlenecks run after attention.dense and ffn_output and the task's LayerNorms replace the layer's.
void albert_layer(const AlbertConfig& c, const LayerW& lw, const TaskAdapters* ta, int l,
                  std::span<const ops::SeqSpan> seqs, int N, std::vector<float>& h) {
  const int H = c.hidden_size, I = c.intermediate_size;
  const auto eps = static_cast<float>(c.layer_norm_eps);
  const AdapterSetW* set = ta ? &ta->at(l) : nullptr;
  const NormW& attn_ln = set ? set->attention_norm : lw.attn_ln;
  const NormW& full_ln = set ? set->full_norm : lw.full_ln;
  std::vector<float> qkv(static_cast<size_t>(N) * 3 * H);  // [N, 3H]
  std::vector<float> ctx(static_cast<size_t>(N) * H);      // [N, H]
  std::vector<float> a(static_cast<size_t>(N) * H);        // [N, H]
  std::vector<float> f(static_cast<size_t>(N) * I);        // [N, I]
  std::vector<float> s(set ? static_cast<size_t>(N) * ta->spec.size : 0);  // [N, m] adapter bottleneck
  apply(lw.qkv, h.data(), N, qkv.data());
  ops::attention(qkv.data(), H, c.num_attention_heads, seqs, ctx.data());
  apply(lw.attn_out, ctx.data(), N, a.data());
  if (set) apply_adapter(set->attention, ta->spec.activation, a.data(), N, s.data());  // a += up(f(down(a)))
  ops::layer_norm(a.data(), h.data(), N, H, attn_ln.gamma, attn_ln.beta, eps, a.data());  // a = LN(h + attn)
  apply(lw.ffn, a.data(), N, f.data());
  ops::activate(c.hidden_act, f.data(), static_cast<long>(N) * I);
  apply(lw.ffn_out, f.data(), N, h.data());
  if (set) apply_adapter(set->ffn, ta->spec.activation, h.data(), N, s.data());  // z += up(f(down(z)))
  ops::layer_norm(h.data(), a.data(), N, H, full_ln.gamma, full_ln.beta, eps, h.data());  // h = LN(ffn + a)
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
  const int H = c_.hidden_size;
  if (const TaskAdapters* ta = options.adapters) {  // loaded for another config: a caller's bug
    EDGEMT_CHECK(static_cast<int>(ta->sets.size()) == adapter_set_count(c_, ta->spec));
    EDGEMT_CHECK(ta->sets[0].attention.up.out == H && ta->sets[0].attention.down.out == ta->spec.size);
  }
  ForwardOutput out;
  std::vector<ops::SeqSpan> seqs;
  int N = 0;
  for (const auto& s : batch) {
    out.offsets.push_back(N);
    seqs.push_back({N, static_cast<int>(s.ids.size()), s.mask.empty() ? nullptr : s.mask.data()});
    N += static_cast<int>(s.ids.size());
  }
  std::vector<float> h;  // [N, H]
  embed(batch, h);
  if (options.keep_hidden_states) out.hidden_states.push_back(h);
  int l = 0;  // layer application, inner group layers counted
  for (int i = 0; i < c_.num_hidden_layers; ++i) {
    const auto& group = w_.groups[static_cast<size_t>(i / c_.layers_per_group())];
    for (const LayerW& lw : group) {
      albert_layer(c_, lw, options.adapters, l++, seqs, N, h);
      if (options.keep_hidden_states) out.hidden_states.push_back(h);
    }
  }
  if (w_.pooler) {
    const int B = static_cast<int>(batch.size());
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
