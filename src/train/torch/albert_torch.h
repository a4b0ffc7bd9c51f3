// ALBERT as libtorch modules, mirroring Hugging Face AlbertForPreTraining (ALGORITHMS.md §1).
// Parameter names are HF tensor names ("albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight"),
// so export and import are a straight name → tensor copy. No dropout (ALBERT v2 trains without).
#pragma once

#include <optional>
#include <vector>

#include <torch/torch.h>

#include "formats/config.h"
#include "train/torch/adapters_torch.h"

namespace edgemt::train {

struct AlbertEmbeddingsImpl : torch::nn::Module {
  explicit AlbertEmbeddingsImpl(const AlbertConfig& c);
  // ids, type_ids: [B, T] int64 → [B, T, E]
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& type_ids);

  torch::nn::Embedding word{nullptr}, position{nullptr}, token_type{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(AlbertEmbeddings);

struct AlbertAttentionImpl : torch::nn::Module {
  explicit AlbertAttentionImpl(const AlbertConfig& c);
  // x: [B, T, H]; key_pad: [B, 1, 1, T] bool, true where the key is padding, or undefined when no
  // sequence is padded → [B, T, H]. With `task`, its adapter follows dense and its norm replaces ours.
  // span_bias: [1, NH, T, T] additive log of the adaptive-span soft mask (spans_torch.h), or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_pad, AdapterSetImpl* task = nullptr,
                        const torch::Tensor& span_bias = {});

  int heads, head_dim;
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, dense{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(AlbertAttention);

struct AlbertLayerImpl : torch::nn::Module {
  explicit AlbertLayerImpl(const AlbertConfig& c);
  // [B, T, H] → [B, T, H]; `task` as in AlbertAttention (and after ffn_output / full_layer_layer_norm).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_pad, AdapterSetImpl* task = nullptr,
                        const torch::Tensor& span_bias = {});

  Activation act;
  AlbertAttention attention{nullptr};
  torch::nn::Linear ffn{nullptr}, ffn_output{nullptr};
  torch::nn::LayerNorm full_norm{nullptr};
};
TORCH_MODULE(AlbertLayer);

struct TaskSpansImpl;

struct AlbertBackboneOutput {
  std::vector<torch::Tensor> hidden_states;  // [L+1] × [B, T, H] when asked for (hidden.0 = projection)
  torch::Tensor last_hidden;                 // [B, T, H]
  torch::Tensor pooled;                      // [B, H]
};

// "albert": embeddings, encoder (E→H projection + shared layer groups), pooler.
struct AlbertBackboneImpl : torch::nn::Module {
  explicit AlbertBackboneImpl(const AlbertConfig& c);
  // ids, type_ids, mask: [B, T] int64 (mask 1 = real token)
  // `adapters`: a task's Houlsby adapters and LayerNorms, one set per layer application (or shared).
  // `spans`: a task's adaptive attention spans (ALGORITHMS.md §5), one head list per application.
  AlbertBackboneOutput forward(const torch::Tensor& ids, const torch::Tensor& type_ids, const torch::Tensor& mask,
                               bool keep_hidden_states = false, TaskAdaptersImpl* adapters = nullptr,
                               TaskSpansImpl* spans = nullptr);

  AlbertConfig config;
  AlbertEmbeddings embeddings{nullptr};
  torch::nn::Linear projection{nullptr};         // encoder.embedding_hidden_mapping_in [H, E]
  std::vector<std::vector<AlbertLayer>> groups;  // [num_hidden_groups][inner_group_num]
  torch::nn::Linear pooler{nullptr};             // [H, H]
};
TORCH_MODULE(AlbertBackbone);

// "predictions": Linear H→E, act, LayerNorm(E), decoder tied to the word embeddings + bias [V].
struct AlbertMlmHeadImpl : torch::nn::Module {
  explicit AlbertMlmHeadImpl(const AlbertConfig& c);
  // h: [..., H], word_embeddings: [V, E] → logits [..., V]
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& word_embeddings);

  Activation act;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::Tensor bias;
};
TORCH_MODULE(AlbertMlmHead);

struct AlbertPretrainingOutput {
  AlbertBackboneOutput backbone;
  torch::Tensor mlm_logits;  // [B, T, V]
  torch::Tensor sop_logits;  // [B, 2]
};

// HF AlbertForPreTraining: "albert", "predictions", "sop_classifier.classifier".
struct AlbertForPreTrainingImpl : torch::nn::Module {
  // initializer_range: std of the normal init of every Linear and Embedding weight (HF's 0.02).
  explicit AlbertForPreTrainingImpl(const AlbertConfig& c, double initializer_range = 0.02);
  AlbertPretrainingOutput forward(const torch::Tensor& ids, const torch::Tensor& type_ids, const torch::Tensor& mask,
                                  bool keep_hidden_states = false);
  // MLM logits of selected rows only (training gathers the masked positions first): [M, H] → [M, V]
  torch::Tensor mlm_logits(const torch::Tensor& h) { return predictions->forward(h, albert->embeddings->word->weight); }
  torch::Tensor sop_logits(const torch::Tensor& pooled) { return sop_classifier->forward(pooled); }  // [B, 2]

  AlbertBackbone albert{nullptr};
  AlbertMlmHead predictions{nullptr};
  torch::nn::Linear sop_classifier{nullptr};  // registered as "sop_classifier.classifier"
};
TORCH_MODULE(AlbertForPreTraining);

// HF's ACT2FN for the activations ALBERT uses (gelu_new is the tanh form, written out as HF does).
torch::Tensor activation(Activation a, const torch::Tensor& x);

}  // namespace edgemt::train
