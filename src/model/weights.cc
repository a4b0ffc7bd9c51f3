// Loading ALBERT weights by their HF names: shape/dtype checks, widening of F16/BF16, linear layers
// prepared for their kernels (fp32 packed, dense AF8, bitmask AF8, bf16 AMX tiles).
#include "model/weights.h"

#include <algorithm>
#include <optional>
#include <type_traits>

#include "core/error.h"
#include "formats/tensor_access.h"

namespace edgemt {

namespace {

const float* bias_or_null(const float* b, int row0) { return b ? b + row0 : nullptr; }

std::vector<uint8_t> dense_codes(const CompressedView& v) {  // a bitmask tensor's codes, zeros included
  std::vector<uint8_t> dense(v.numel(), 0);
  for (size_t i = 0, c = 0; i < dense.size(); ++i)
    if (v.mask_bit(i)) dense[i] = v.codes[c++];
  return dense;
}

// The prepared form of one compressed AF8 weight (`v`, [rows, cols]).
LinearPart af8_part(const CompressedView& v, int row0, int rows, int cols, const std::string& what) {
  const int e = v.format.exp_bits, bias = v.format.exp_bias;
  const bool bf16 = v.activations == Activations::Bf16;
  // On AMX every AF8 weight becomes bf16 tiles (it widens to bf16 exactly): with bf16 activations one
  // product per weight, with fp32 ones three (x as hi + mid + lo, exact), still faster than the fp32
  // kernels. Tiles are dense: zeros cost as much as weights, and 2 bytes each.
  if (ops::active_isa() == ops::Isa::kAmx) {
    if (v.layout == Layout::Dense) return {row0, ops::AmxBf16Weights({v.codes.data(), rows, cols, e, bias}, what), bf16};
    return {row0, ops::AmxBf16Weights({dense_codes(v).data(), rows, cols, e, bias}, what), bf16};
  }
  if (v.layout == Layout::Dense)
    return {row0, ops::Af8DenseWeights({v.codes.data(), rows, cols, e, bias}, what), bf16};
  const size_t numel = v.numel();
  if (numel > 0 && static_cast<double>(v.codes.size()) > kDenseAbove * static_cast<double>(numel))
    // the bitmask kernel is slower than dense AF8 at this density
    return {row0, ops::Af8DenseWeights({dense_codes(v).data(), rows, cols, e, bias}, what), bf16};
  return {row0, ops::Af8BitmaskWeights({v.mask.data(), v.codes.data(), rows, cols, e, bias}, what), bf16};
}

}  // namespace

int LinearPart::rows() const {
  return std::visit([](const auto& p) { return p.rows; }, w);
}

size_t LinearPart::bytes() const {
  return std::visit([](const auto& p) { return p.bytes(); }, w);
}

void linear(const LinearW& l, const float* x, int N, float* y) {
  if (N <= 0) return;
  EDGEMT_CHECK(l.parts);
  const float* xr = nullptr;  // bf16(x), made once for the AF8 parts that ask for it
  std::optional<ops::AmxX> xa;  // x's bf16 terms, made once for the AMX parts
  for (const LinearPart& p : *l.parts) {
    const float* b = bias_or_null(l.b, p.row0);
    float* yp = y + p.row0;
    const bool amx = std::holds_alternative<ops::AmxBf16Weights>(p.w);  // rounds x itself
    if (p.bf16_x && !amx && !xr) {
      thread_local std::vector<float> buf;  // the caller's; the kernels' teams only read it
      if (buf.size() < static_cast<size_t>(N) * l.in) buf.resize(static_cast<size_t>(N) * l.in);
      ops::bf16_round_rows(x, N, l.in, l.in, buf.data());
      xr = buf.data();
    }
    const float* xp = p.bf16_x && !amx ? xr : x;
    std::visit(
        [&](const auto& w) {
          using T = std::decay_t<decltype(w)>;
          if constexpr (std::is_same_v<T, ops::PackedF32Weights>) ops::packed_linear(xp, N, l.in, w, b, yp, l.out);
          else if constexpr (std::is_same_v<T, ops::Af8DenseWeights>) ops::af8_linear(xp, N, l.in, w, b, yp, l.out);
          else if constexpr (std::is_same_v<T, ops::AmxBf16Weights>) {
            const auto act = p.bf16_x ? ops::AmxActivations::kBf16 : ops::AmxActivations::kFp32;
            if (!xa || xa->act != act) xa = ops::amx_convert_x(x, N, l.in, l.in, act);
            ops::amx_bf16_linear(*xa, w, b, yp, l.out);
          }
          else ops::af8_bitmask_linear(xp, N, l.in, w, b, yp, l.out);
        },
        p.w);
  }
}

LinearW load_linear(const SafetensorsFile& f, const std::vector<std::string>& prefixes, int out, int in,
                    std::vector<std::unique_ptr<float[]>>& owned, std::set<std::string>& used) {
  EDGEMT_CHECK(!prefixes.empty());
  const int total = out * static_cast<int>(prefixes.size());
  const std::vector<int64_t> shape{out, in};
  std::vector<std::optional<CompressedView>> views;
  bool any_af8 = false;
  for (const auto& p : prefixes) {
    auto v = compressed_tensor(f, p + ".weight", shape);
    if (v && v->format.bits != 8) v.reset();  // other widths: decoded to fp32 below
    any_af8 = any_af8 || v.has_value();
    views.push_back(std::move(v));
  }
  // All fp32: one packed [total, in] matrix, one GEMM (q, k and v stacked). Any AF8: a part per
  // prefix, AF8 ones as AF8 (no fp32 copy), fp32 ones packed. Widened copies are dropped once packed.
  auto parts = std::make_shared<std::vector<LinearPart>>();
  if (!any_af8) parts->push_back({0, ops::PackedF32Weights(total, in)});
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const std::string name = prefixes[i] + ".weight";
    const int row0 = out * static_cast<int>(i);
    if (views[i]) {
      parts->push_back(af8_part(*views[i], row0, out, in, f.path().string() + ": tensor '" + name + "'"));
    } else {
      const size_t owned_before = owned.size();
      const float* wi = f32_tensor(f, name, shape, owned);
      if (any_af8) parts->push_back({row0, ops::PackedF32Weights(wi, out, in)});
      else std::get<ops::PackedF32Weights>(parts->front().w).pack_rows(row0, wi, out);
      owned.resize(owned_before);  // a widened copy, if f32_tensor made one
    }
    for (const auto& n : storage_tensors(f, name)) used.insert(n);  // a bitmask tensor is stored as two
  }
  const float* b = nullptr;
  if (prefixes.size() == 1) {
    b = f32_tensor(f, prefixes[0] + ".bias", {out}, owned);
  } else {
    auto buf = std::make_unique<float[]>(static_cast<size_t>(total));
    for (size_t i = 0; i < prefixes.size(); ++i) {
      const float* bi = f32_tensor(f, prefixes[i] + ".bias", {out}, owned);
      std::copy(bi, bi + out, buf.get() + static_cast<size_t>(out) * i);
    }
    b = buf.get();
    owned.push_back(std::move(buf));
  }
  for (const auto& p : prefixes)
    for (const auto& n : storage_tensors(f, p + ".bias")) used.insert(n);
  return {b, total, in, std::move(parts)};
}

namespace {

class Reader {
 public:
  Reader(const SafetensorsFile& f, std::vector<std::unique_ptr<float[]>>& owned) : f_(f), owned_(owned) {}

  bool has(const std::string& name) const { return f_.find(name) != nullptr; }

  // The tensor as f32 with exactly `shape`.
  const float* get(const std::string& name, const std::vector<int64_t>& shape) {
    const float* p = f32_tensor(f_, name, shape, owned_);
    for (const auto& n : storage_tensors(f_, name)) used_.insert(n);  // a bitmask tensor is stored as two
    return p;
  }

  // Linears with the same input width, stacked along the output dimension (one GEMM for q, k, v).
  LinearW linear(const std::vector<std::string>& prefixes, int out, int in) {
    return load_linear(f_, prefixes, out, in, owned_, used_);
  }
  LinearW linear(const std::string& prefix, int out, int in) { return linear(std::vector{prefix}, out, in); }
  NormW norm(const std::string& prefix, int n) { return {get(prefix + ".weight", {n}), get(prefix + ".bias", {n})}; }

  std::vector<std::string> unused() const {
    std::vector<std::string> r;
    // The sentence-order head of an AlbertForPreTraining checkpoint is known and has no use at inference.
    for (const auto& t : f_.tensors())
      if (!used_.count(t.name) && !t.name.starts_with("sop_classifier.")) r.push_back(t.name);
    return r;
  }

 private:
  const SafetensorsFile& f_;
  std::vector<std::unique_ptr<float[]>>& owned_;
  std::set<std::string> used_;
};

}  // namespace

LoadedWeights::LoadedWeights(const std::filesystem::path& path, const AlbertConfig& c)
    : file_(std::make_shared<SafetensorsFile>(path)) {
  Reader r(*file_, owned_);
  // AlbertFor* checkpoints prefix the backbone with "albert."; a bare AlbertModel does not.
  const std::string p = r.has("albert.embeddings.word_embeddings.weight") ? "albert." : "";
  const int V = c.vocab_size, E = c.embedding_size, H = c.hidden_size, I = c.intermediate_size;
  w_.word_emb = r.get(p + "embeddings.word_embeddings.weight", {V, E});
  w_.pos_emb = r.get(p + "embeddings.position_embeddings.weight", {c.max_position_embeddings, E});
  w_.type_emb = r.get(p + "embeddings.token_type_embeddings.weight", {c.type_vocab_size, E});
  w_.emb_ln = r.norm(p + "embeddings.LayerNorm", E);
  w_.proj = r.linear(p + "encoder.embedding_hidden_mapping_in", H, E);
  for (int g = 0; g < c.num_hidden_groups; ++g) {
    std::vector<LayerW> group;
    for (int i = 0; i < c.inner_group_num; ++i) {
      const std::string l = p + "encoder.albert_layer_groups." + std::to_string(g) + ".albert_layers." + std::to_string(i) + ".";
      LayerW lw;
      lw.qkv = r.linear({l + "attention.query", l + "attention.key", l + "attention.value"}, H, H);
      lw.attn_out = r.linear(l + "attention.dense", H, H);
      lw.attn_ln = r.norm(l + "attention.LayerNorm", H);
      lw.ffn = r.linear(l + "ffn", I, H);
      lw.ffn_out = r.linear(l + "ffn_output", H, I);
      lw.full_ln = r.norm(l + "full_layer_layer_norm", H);
      group.push_back(lw);
    }
    w_.groups.push_back(std::move(group));
  }
  if (r.has(p + "pooler.weight")) w_.pooler = r.linear(p + "pooler", H, H);
  if (r.has("classifier.weight")) {
    if (!w_.pooler) throw Error(path.string() + ": has 'classifier.weight' but no '" + p + "pooler.weight'");
    w_.classifier = r.linear("classifier", c.num_labels, H);
  }
  if (r.has("predictions.dense.weight")) {
    MlmHeadW m;
    m.dense = r.linear("predictions.dense", E, H);
    m.ln = r.norm("predictions.LayerNorm", E);
    m.decoder_w = r.has("predictions.decoder.weight") ? r.get("predictions.decoder.weight", {V, E}) : w_.word_emb;
    m.decoder_b = r.has("predictions.decoder.bias") ? r.get("predictions.decoder.bias", {V})
                                                    : r.get("predictions.bias", {V});
    if (r.has("predictions.bias")) r.get("predictions.bias", {V});  // tied to decoder.bias in HF
    w_.mlm = m;
  }
  unused_ = r.unused();
}

size_t LoadedWeights::bytes_on_disk() const {
  size_t n = 0;
  for (const auto& t : file_->tensors()) n += t.nbytes;
  return n;
}

}  // namespace edgemt
