// The backbone's logits for one sentence (segment 0, up to 128 tokens), for engine tests.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgemt/engine.h"
#include "model/albert.h"
#include "text/tokenizer.h"

namespace edgemt::testing {

inline std::vector<float> engine_logits(const Engine& e, const std::string& text) {
  const auto enc = e.tokenizer().encode(text, std::nullopt, 128);
  Sequence s{enc.ids, std::vector<int32_t>(enc.ids.size(), 0), {}};
  return e.model().forward(std::span<const Sequence>(&s, 1)).logits;
}

}  // namespace edgemt::testing
