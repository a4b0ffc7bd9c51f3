// Loading ALBERT weights by their HF names: shape/dtype checks, zero-copy F32, widening of F16/BF16.
#include "model/weights.h"

#include <cstring>
#include <set>

#include "core/error.h"
#include "formats/tensor_access.h"

namespace edgemt {

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

  LinearW linear(const std::string& prefix, int out, int in) {
    return {get(prefix + ".weight", {out, in}), get(prefix + ".bias", {out}), out, in};
  }
  NormW norm(const std::string& prefix, int n) { return {get(prefix + ".weight", {n}), get(prefix + ".bias", {n})}; }

  // Concatenates linears with the same input width along the output dimension.
  LinearW concat(const std::vector<LinearW>& parts) {
    int out = 0;
    for (const auto& p : parts) out += p.out;
    const int in = parts[0].in;
    auto w = std::make_unique<float[]>(static_cast<size_t>(out) * in);
    auto b = std::make_unique<float[]>(static_cast<size_t>(out));
    int row = 0;
    for (const auto& p : parts) {
      std::memcpy(w.get() + static_cast<size_t>(row) * in, p.w, sizeof(float) * p.out * in);
      std::memcpy(b.get() + row, p.b, sizeof(float) * p.out);
      row += p.out;
    }
    LinearW r{w.get(), b.get(), out, in};
    owned_.push_back(std::move(w));
    owned_.push_back(std::move(b));
    return r;
  }

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
      lw.qkv = r.concat({r.linear(l + "attention.query", H, H), r.linear(l + "attention.key", H, H),
                         r.linear(l + "attention.value", H, H)});
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
