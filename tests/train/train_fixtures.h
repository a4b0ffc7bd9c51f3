// Tiny configs and generated shards for the trainer tests (fast on two CPU cores).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "formats/config.h"
#include "train/shard.h"

namespace edgemt::testing {

inline constexpr train::SpecialIds kSpecials{.pad = 0, .unk = 1, .cls = 2, .sep = 3, .mask = 4};
inline constexpr int32_t kFirstPiece = 5;

// H 32, 2 layers (1 group), 2 heads, FFN 64; vocab V.
inline AlbertConfig tiny_config(int vocab_size) {
  AlbertConfig c;
  c.vocab_size = vocab_size;
  c.embedding_size = 16;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_hidden_groups = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 64;
  c.max_position_embeddings = 64;
  c.layer_norm_eps = 1e-12;
  return c;
}

// Documents on topics: each document draws its pieces uniformly from its topic's 5 of the V − 5
// pieces, so any unmasked piece tells which 5 a masked one comes from. The best possible MLM loss is
// then about ln 5 ≈ 1.6 against ln(V − 5) for a model that ignores the context.
inline train::Shard topic_shard(int vocab_size, int documents, uint32_t seed) {
  std::mt19937 rng(seed);
  const int n = vocab_size - kFirstPiece;
  constexpr int kTopics = 12, kPerTopic = 5;
  std::vector<int32_t> pieces(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) pieces[static_cast<size_t>(i)] = kFirstPiece + i;
  std::vector<std::vector<int32_t>> topics;
  for (int t = 0; t < kTopics; ++t) {
    std::shuffle(pieces.begin(), pieces.end(), rng);
    topics.emplace_back(pieces.begin(), pieces.begin() + kPerTopic);
  }
  train::ShardBuilder b(static_cast<uint32_t>(vocab_size), kSpecials);
  for (int d = 0; d < documents; ++d) {
    const auto& topic = topics[rng() % kTopics];
    const int sentences = 2 + static_cast<int>(rng() % 5);
    for (int s = 0; s < sentences; ++s) {
      std::vector<int32_t> ids;
      const int len = 3 + static_cast<int>(rng() % 10);
      for (int t = 0; t < len; ++t) ids.push_back(topic[rng() % kPerTopic]);
      b.add_sentence(ids);
    }
    b.end_document();
  }
  return b.finish();
}

// Document d holds the consecutive ids base_d, base_d + 1, … split into sentences of 1–6 tokens, so a
// segment's document and order can be read off its ids. Some documents have a single sentence.
inline train::Shard counting_shard(int documents, int tokens_per_doc, uint32_t seed) {
  std::mt19937 rng(seed);
  train::ShardBuilder b(static_cast<uint32_t>(kFirstPiece + documents * tokens_per_doc), kSpecials);
  int32_t next = kFirstPiece;
  for (int d = 0; d < documents; ++d) {
    const int32_t end = next + tokens_per_doc;
    const bool single = d % 4 == 3;
    while (next < end) {
      const int32_t len = single ? end - next : std::min<int32_t>(end - next, 1 + static_cast<int32_t>(rng() % 6));
      std::vector<int32_t> ids;
      for (int32_t i = 0; i < len; ++i) ids.push_back(next++);
      b.add_sentence(ids);
    }
    b.end_document();
  }
  return b.finish();
}

}  // namespace edgemt::testing
