// ALBERT modules: the forward pass of ALGORITHMS.md §1 with HF's module tree and names.
#include "train/torch/albert_torch.h"

#include <torch/version.h>

#include <cmath>
#include <limits>

#include "train/torch/spans_torch.h"

namespace edgemt::train {

namespace nn = torch::nn;

torch::Tensor activation(Activation a, const torch::Tensor& x) {
  switch (a) {
    case Activation::Gelu:
      return torch::gelu(x);  // erf form
    case Activation::GeluNew:
      return 0.5 * x * (1.0 + torch::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * torch::pow(x, 3.0))));
    case Activation::Relu:
      return torch::relu(x);
    case Activation::Silu:
      return torch::silu(x);
  }
  return x;
}

namespace {

nn::LayerNorm layer_norm(int n, double eps) { return nn::LayerNorm(nn::LayerNormOptions({n}).eps(eps)); }

// A plain holder so that the module tree (and so the parameter names) matches HF's.
std::shared_ptr<nn::Module> holder() { return std::make_shared<nn::Module>(); }

}  // namespace

AlbertEmbeddingsImpl::AlbertEmbeddingsImpl(const AlbertConfig& c) {
  const int E = c.embedding_size;
  word = register_module("word_embeddings",
                         nn::Embedding(nn::EmbeddingOptions(c.vocab_size, E).padding_idx(c.pad_token_id)));
  position = register_module("position_embeddings", nn::Embedding(c.max_position_embeddings, E));
  token_type = register_module("token_type_embeddings", nn::Embedding(c.type_vocab_size, E));
  norm = register_module("LayerNorm", layer_norm(E, c.layer_norm_eps));
}

torch::Tensor AlbertEmbeddingsImpl::forward(const torch::Tensor& ids, const torch::Tensor& type_ids) {
  const int64_t T = ids.size(1);
  const auto positions = torch::arange(T, ids.options()).unsqueeze(0);  // [1, T]
  return norm(word(ids) + position(positions) + token_type(type_ids));  // [B, T, E]
}

AlbertAttentionImpl::AlbertAttentionImpl(const AlbertConfig& c) : heads(c.num_attention_heads), head_dim(c.head_dim()) {
  const int H = c.hidden_size;
  query = register_module("query", nn::Linear(H, H));
  key = register_module("key", nn::Linear(H, H));
  value = register_module("value", nn::Linear(H, H));
  dense = register_module("dense", nn::Linear(H, H));
  norm = register_module("LayerNorm", layer_norm(H, c.layer_norm_eps));
}

torch::Tensor AlbertAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_pad, AdapterSetImpl* task,
                                           const torch::Tensor& span_bias) {
  const int64_t B = x.size(0), T = x.size(1);
  auto split = [&](const torch::Tensor& t) {
    return t.view({B, T, heads, head_dim}).transpose(1, 2);
  };  // [B, NH, T, DH]
  const auto q = split(query(x)), k = split(key(x)), v = split(value(x));
  torch::Tensor attn;  // [B, NH, T, DH]
  if (span_bias.defined()) {
    // Adaptive span: a·m / Σ a·m = softmax(s + log m), written out so that z gets its gradient. Masked
    // keys get a large finite negative (not -inf), so a padding query whose window holds only padding
    // keys still gets finite (unused) weights.
    auto scores = torch::matmul(q, k.transpose(-1, -2)).to(torch::kFloat) / std::sqrt(static_cast<double>(head_dim));
    scores = scores + span_bias;  // [B, NH, T, T]
    if (key_pad.defined()) scores = scores.masked_fill(key_pad, -1e9);
    attn = torch::matmul(torch::softmax(scores, -1).to(v.scalar_type()), v);
  } else {
#if TORCH_VERSION_MAJOR >= 2
  // Fused attention (flash when nothing is masked, memory-efficient otherwise); a bool mask is
  // true where a key takes part.
    attn = key_pad.defined() ? at::scaled_dot_product_attention(q, k, v, key_pad.logical_not())
                             : at::scaled_dot_product_attention(q, k, v);
#else
    auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));  // [B, NH, T, T]
    if (key_pad.defined()) scores = scores.masked_fill(key_pad, -std::numeric_limits<float>::infinity());
    attn = torch::matmul(torch::softmax(scores, -1), v);
#endif
  }
  const auto context = attn.transpose(1, 2).reshape({B, T, heads * head_dim});  // [B, T, H]
  if (task) return task->attention_norm(x + task->attention(dense(context)));
  return norm(x + dense(context));
}

AlbertLayerImpl::AlbertLayerImpl(const AlbertConfig& c) : act(c.hidden_act) {
  attention = register_module("attention", AlbertAttention(c));
  ffn = register_module("ffn", nn::Linear(c.hidden_size, c.intermediate_size));
  ffn_output = register_module("ffn_output", nn::Linear(c.intermediate_size, c.hidden_size));
  full_norm = register_module("full_layer_layer_norm", layer_norm(c.hidden_size, c.layer_norm_eps));
}

torch::Tensor AlbertLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_pad, AdapterSetImpl* task,
                                       const torch::Tensor& span_bias) {
  const auto a = attention->forward(x, key_pad, task, span_bias);  // [B, T, H]
  const auto f = ffn_output(activation(act, ffn(a)));   // [B, T, H]
  return task ? task->full_norm(a + task->ffn(f)) : full_norm(a + f);
}

AlbertBackboneImpl::AlbertBackboneImpl(const AlbertConfig& c) : config(c) {
  embeddings = register_module("embeddings", AlbertEmbeddings(c));
  auto encoder = register_module("encoder", holder());
  projection = encoder->register_module("embedding_hidden_mapping_in", nn::Linear(c.embedding_size, c.hidden_size));
  auto group_list = encoder->register_module("albert_layer_groups", nn::ModuleList());
  for (int g = 0; g < c.num_hidden_groups; ++g) {
    auto group = holder();
    auto layer_list = group->register_module("albert_layers", nn::ModuleList());
    groups.emplace_back();
    for (int i = 0; i < c.inner_group_num; ++i) {
      groups.back().push_back(AlbertLayer(c));
      layer_list->push_back(groups.back().back());
    }
    group_list->push_back(group);
  }
  pooler = register_module("pooler", nn::Linear(c.hidden_size, c.hidden_size));
}

AlbertBackboneOutput AlbertBackboneImpl::forward(const torch::Tensor& ids, const torch::Tensor& type_ids,
                                                 const torch::Tensor& mask, bool keep_hidden_states,
                                                 TaskAdaptersImpl* adapters, TaskSpansImpl* spans) {
  AlbertBackboneOutput out;
  // [B, 1, 1, T], true where the key is padding; undefined when nothing is padded (fused attention)
  torch::Tensor key_pad;
  if ((mask == 0).any().item<bool>()) key_pad = (mask == 0).unsqueeze(1).unsqueeze(2);
  auto h = projection(embeddings(ids, type_ids));              // [B, T, H] = hidden.0
  if (keep_hidden_states) out.hidden_states.push_back(h);
  const int per_group = config.layers_per_group();
  int application = 0;  // layer applications so far, inner group layers counted (adapter set index)
  for (int l = 0; l < config.num_hidden_layers; ++l) {
    for (auto& layer : groups[static_cast<size_t>(l / per_group)]) {
      const auto bias = spans ? spans->bias(application, h.size(1), h.device()) : torch::Tensor();
      h = layer->forward(h, key_pad, adapters ? adapters->at(application).get() : nullptr, bias);
      ++application;
      if (keep_hidden_states) out.hidden_states.push_back(h);
    }
  }
  out.last_hidden = h;
  out.pooled = torch::tanh(pooler(h.select(1, 0)));  // [B, H], first token
  return out;
}

AlbertMlmHeadImpl::AlbertMlmHeadImpl(const AlbertConfig& c) : act(c.hidden_act) {
  dense = register_module("dense", nn::Linear(c.hidden_size, c.embedding_size));
  norm = register_module("LayerNorm", layer_norm(c.embedding_size, c.layer_norm_eps));
  bias = register_parameter("bias", torch::zeros({c.vocab_size}));
}

torch::Tensor AlbertMlmHeadImpl::forward(const torch::Tensor& h, const torch::Tensor& word_embeddings) {
  return torch::nn::functional::linear(norm(activation(act, dense(h))), word_embeddings, bias);
}

AlbertForPreTrainingImpl::AlbertForPreTrainingImpl(const AlbertConfig& c, double initializer_range) {
  albert = register_module("albert", AlbertBackbone(c));
  predictions = register_module("predictions", AlbertMlmHead(c));
  sop_classifier =
      register_module("sop_classifier", holder())->register_module("classifier", nn::Linear(c.hidden_size, 2));
  // HF _init_weights: N(0, range) weights, zero biases, LayerNorm (1, 0), the padding row zero.
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    const bool is_norm = name.find("LayerNorm") != std::string::npos || name.find("layer_norm") != std::string::npos;
    if (is_norm) {
      name.ends_with(".weight") ? p.fill_(1.0) : p.zero_();
    } else if (name.ends_with(".weight")) {
      p.normal_(0.0, initializer_range);
    } else {
      p.zero_();
    }
  }
  albert->embeddings->word->weight[c.pad_token_id].zero_();
}

AlbertPretrainingOutput AlbertForPreTrainingImpl::forward(const torch::Tensor& ids, const torch::Tensor& type_ids,
                                                          const torch::Tensor& mask, bool keep_hidden_states) {
  AlbertPretrainingOutput out;
  out.backbone = albert(ids, type_ids, mask, keep_hidden_states);
  out.mlm_logits = mlm_logits(out.backbone.last_hidden);  // [B, T, V]
  out.sop_logits = sop_logits(out.backbone.pooled);       // [B, 2]
  return out;
}

}  // namespace edgemt::train
