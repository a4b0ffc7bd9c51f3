// ALBERT normalisation (HF tokenizers' Replace/NFKD/StripAccents/Lowercase/Precompiled sequence)
// and its WhitespaceSplit + Metaspace pre-tokeniser, on ICU.
#include "text/normalizer.h"

#include <memory>

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>

#include "core/error.h"
#include "text/utf8.h"

namespace edgemt::text {

namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581 "▁"

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0;;) {
    const size_t hit = s.find(from, pos);
    out.append(s.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos));
    if (hit == std::string_view::npos) return out;
    out.append(to);
    pos = hit + from.size();
  }
}

bool is_mark(char32_t cp) { return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_M_MASK) != 0; }

// Rust's char::to_lowercase: the simple mapping except U+0130, the one code point whose
// unconditional full lowercase (SpecialCasing.txt) is two code points.
void append_lower(std::string& out, char32_t cp) {
  if (cp == 0x130) {
    out.append("i\xCC\x87");  // i + U+0307
    return;
  }
  append_utf8(out, static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp))));
}

// Darts-clone unit fields (darts.h: has_leaf, value, label, offset).
bool has_leaf(uint32_t unit) { return ((unit >> 8) & 1) != 0; }
uint32_t value(uint32_t unit) { return unit & ((1u << 31) - 1); }
uint32_t label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
size_t offset(uint32_t unit) { return size_t{unit >> 10} << ((unit & (1u << 9)) >> 6); }

uint32_t read_le32(std::string_view s, size_t pos) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[pos + i])} << (8 * i);
  return v;
}

}  // namespace

std::string normalize_albert(std::string_view text, NormalizerOptions options) {
  std::string s = replace_all(replace_all(text, "``", "\""), "''", "\"");
  if (!options.keep_accents) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
    EDGEMT_CHECK(U_SUCCESS(status));
    const icu::UnicodeString decomposed =
        nfkd->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size()))),
                        status);
    EDGEMT_CHECK(U_SUCCESS(status));
    s.clear();
    decomposed.toUTF8String(s);
  }
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    const char32_t cp = next_code_point(s, pos);
    if (!options.keep_accents && is_mark(cp)) continue;
    if (options.lowercase)
      append_lower(out, cp);
    else
      append_utf8(out, cp);
  }
  return out;
}

PrecompiledCharsMap::PrecompiledCharsMap(std::string_view blob) {
  if (blob.empty()) return;
  if (blob.size() < 4) throw Error("precompiled_charsmap is malformed: " + std::to_string(blob.size()) + " bytes");
  const size_t trie_bytes = read_le32(blob, 0);
  if (trie_bytes < 4 || trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4)
    throw Error("precompiled_charsmap is malformed: trie of " + std::to_string(trie_bytes) + " bytes in a blob of " +
                std::to_string(blob.size()));
  units_.resize(trie_bytes / 4);
  for (size_t i = 0; i < units_.size(); ++i) units_[i] = read_le32(blob, 4 + 4 * i);
  replacements_ = std::string(blob.substr(4 + trie_bytes));
  if (find_invalid_utf8(replacements_) != std::string_view::npos)
    throw Error("precompiled_charsmap is malformed: replacement strings are not valid UTF-8");
  replacements_.push_back('\0');  // every rule's text now ends at a NUL
}

const char* PrecompiledCharsMap::shortest_prefix_rule(std::string_view key) const {
  // The walk checks bounds at every step: the units come from a file.
  size_t node = offset(units_[0]);
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) break;  // as HF: a NUL ends the key
    node ^= c;
    if (node >= units_.size() || label(units_[node]) != c) return nullptr;
    const uint32_t unit = units_[node];
    node ^= offset(unit);
    if (node >= units_.size()) return nullptr;
    if (has_leaf(unit)) {
      const uint32_t at = value(units_[node]);
      return at < replacements_.size() ? replacements_.data() + at : nullptr;
    }
  }
  return nullptr;
}

std::string PrecompiledCharsMap::apply(std::string_view text) const {
  if (empty() || text.empty()) return std::string(text);
  // One grapheme iterator per thread: ICU iterators are not safe to share, and creating one
  // per call costs more than the rewrite itself.
  thread_local const std::unique_ptr<icu::BreakIterator> graphemes = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    EDGEMT_CHECK(U_SUCCESS(status) && it != nullptr);
    return it;
  }();
  UErrorCode status = U_ZERO_ERROR;
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  graphemes->setText(utext, status);
  EDGEMT_CHECK(U_SUCCESS(status));

  std::string out;
  out.reserve(text.size());
  // On a UTF-8 UText the break positions are byte offsets.
  int32_t start = graphemes->first();
  for (int32_t end = graphemes->next(); end != icu::BreakIterator::DONE; start = end, end = graphemes->next()) {
    const std::string_view cluster = text.substr(start, end - start);
    if (cluster.size() < 6) {
      if (const char* rule = shortest_prefix_rule(cluster)) {
        out.append(rule);
        continue;
      }
    }
    for (size_t pos = 0; pos < cluster.size();) {
      const size_t cp_start = pos;
      next_code_point(cluster, pos);
      const std::string_view cp = cluster.substr(cp_start, pos - cp_start);
      if (const char* rule = shortest_prefix_rule(cp))
        out.append(rule);
      else
        out.append(cp);
    }
  }
  utext_close(utext);  // the iterator keeps its own shallow clone, reset by the next setText
  return out;
}

std::vector<std::string> pre_tokenize(std::string_view normalized) {
  std::vector<std::string> out;
  const auto flush_word = [&](std::string_view word) {
    if (word.empty()) return;
    std::string w = word.starts_with(kMetaspace) ? std::string(word) : std::string(kMetaspace) + std::string(word);
    // Metaspace split "merged with next": every "▁" opens a new pre-token.
    size_t begin = 0;
    for (size_t hit = w.find(kMetaspace, kMetaspace.size()); hit != std::string::npos;
         hit = w.find(kMetaspace, hit + kMetaspace.size())) {
      out.push_back(w.substr(begin, hit - begin));
      begin = hit;
    }
    out.push_back(w.substr(begin));
  };
  size_t word_start = 0;
  for (size_t pos = 0; pos < normalized.size();) {
    const size_t cp_start = pos;
    const char32_t cp = next_code_point(normalized, pos);
    if (u_isUWhiteSpace(static_cast<UChar32>(cp))) {
      flush_word(normalized.substr(word_start, cp_start - word_start));
      word_start = pos;
    }
  }
  flush_word(normalized.substr(word_start));
  return out;
}

}  // namespace edgemt::text
