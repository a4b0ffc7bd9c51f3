// ALBERT normaliser, charsmap and pre-tokeniser on hand-computed strings; the charsmap tests build
// tiny Darts tries so that HF's grapheme/shortest-rule behaviour is pinned without a model file.
#include "text/normalizer.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "text/utf8.h"

namespace edgemt::text {
namespace {

std::string norm(std::string_view s, NormalizerOptions o = {}) { return normalize_albert(s, o); }

TEST(Normalizer, ReplacesTeXQuotes) {
  EXPECT_EQ(norm("``hi''"), "\"hi\"");
  EXPECT_EQ(norm("```"), "\"`");        // left to right, no overlap
  EXPECT_EQ(norm("''''"), "\"\"");
  EXPECT_EQ(norm("don't 'x'"), "don't 'x'");  // single quotes stay
  EXPECT_EQ(norm("`'"), "`'");
}

TEST(Normalizer, StripsAccentsAfterNfkd) {
  EXPECT_EQ(norm("Caf\xC3\xA9 d\xC3\xA9j\xC3\xA0"), "cafe deja");        // precomposed
  EXPECT_EQ(norm("cafe\xCC\x81"), "cafe");                               // already decomposed
  EXPECT_EQ(norm("na\xC3\xAFve \xC3\xB1 \xC3\xA7 \xC3\xB8"), "naive n c \xC3\xB8");  // ø has no decomposition
  EXPECT_EQ(norm("\xEF\xAC\x81" "ne \xE2\x91\xA0 x\xC2\xB2"), "fine 1 x2");  // ﬁ, ①, ² compatibility forms
  EXPECT_EQ(norm("a\xE0\xA4\x83" "b\xE2\x83\x9D"), "ab");  // Mc (Devanagari visarga) and Me (enclosing circle)
  EXPECT_EQ(norm("e\xCC\x81", {.lowercase = true, .keep_accents = true}), "e\xCC\x81");
  EXPECT_EQ(norm("Caf\xC3\xA9", {.lowercase = true, .keep_accents = true}), "caf\xC3\xA9");
}

TEST(Normalizer, LowercasesNonAsciiPerCodePoint) {
  EXPECT_EQ(norm("\xC3\x80\xC3\x89\xC3\x8E\xC3\x95\xC3\x9C"), "aeiou");     // ÀÉÎÕÜ
  EXPECT_EQ(norm("\xCE\xA3\xCE\x91\xCE\xA3"), "\xCF\x83\xCE\xB1\xCF\x83");  // ΣΑΣ -> σασ, no final ς
  EXPECT_EQ(norm("Stra\xC3\x9F" "e \xE1\xBA\x9E"), "stra\xC3\x9F" "e \xC3\x9F");  // ẞ -> ß, ß stays
  EXPECT_EQ(norm("\xD0\x9F\xD0\xA0\xD0\x98"), "\xD0\xBF\xD1\x80\xD0\xB8");  // ПРИ -> при
  // İ: NFKD gives I + U+0307 (stripped); with accents kept, Rust's full lowercase gives i + U+0307.
  EXPECT_EQ(norm("\xC4\xB0x"), "ix");
  EXPECT_EQ(norm("\xC4\xB0", {.lowercase = true, .keep_accents = true}), "i\xCC\x87");
  EXPECT_EQ(norm("ABC \xC3\x89", {.lowercase = false, .keep_accents = false}), "ABC E");
}

TEST(NormalizerPreTokenize, SplitsOnUnicodeWhitespaceAndCollapsesRuns) {
  using V = std::vector<std::string>;
  const std::string m = "\xE2\x96\x81";  // ▁
  EXPECT_EQ(pre_tokenize("  a  b\tc\n\r\n"), (V{m + "a", m + "b", m + "c"}));
  EXPECT_EQ(pre_tokenize("x\xC2\xA0y\xE3\x80\x80z\xE2\x80\xA8w"), (V{m + "x", m + "y", m + "z", m + "w"}));
  EXPECT_EQ(pre_tokenize("x\xE2\x80\x8By"), (V{m + "x\xE2\x80\x8By"}));  // U+200B is not White_Space
  EXPECT_TRUE(pre_tokenize("").empty());
  EXPECT_TRUE(pre_tokenize(" \t\n ").empty());
  // Metaspace: no second ▁ in front of a word that has one; every inner ▁ starts a pre-token.
  EXPECT_EQ(pre_tokenize(m + "x"), (V{m + "x"}));
  EXPECT_EQ(pre_tokenize("a" + m + "b"), (V{m + "a", m + "b"}));
  EXPECT_EQ(pre_tokenize(m + m), (V{m, m}));
  EXPECT_EQ(pre_tokenize("a" + m), (V{m + "a", m}));
}

// Builds a Darts-clone double array (the layout inside precompiled_charsmap) for `rules`.
std::string make_charsmap(const std::map<std::string, std::string>& rules) {
  struct Node {
    std::map<unsigned char, int> children;
    int value = -1;
  };
  std::vector<Node> trie(1);
  std::string blob;
  for (const auto& [key, replacement] : rules) {
    int n = 0;
    for (unsigned char c : key) {
      if (!trie[n].children.contains(c)) {
        trie[n].children[c] = static_cast<int>(trie.size());
        trie.emplace_back();
      }
      n = trie[n].children[c];
    }
    trie[n].value = static_cast<int>(blob.size());
    blob += replacement + '\0';
  }
  std::vector<uint32_t> units(1, 0);
  std::vector<bool> used(1, true);
  std::vector<bool> base_taken;
  const auto slot = [&](size_t i) -> uint32_t& {
    if (i >= units.size()) units.resize(i + 1, 0), used.resize(i + 1, false);
    return units[i];
  };
  // Place node n (already at position pos with its label set): pick a base whose slots are free.
  std::vector<std::pair<int, size_t>> todo{{0, 0}};
  while (!todo.empty()) {
    const auto [n, pos] = todo.back();
    todo.pop_back();
    size_t base = 1;
    const auto fits = [&](size_t b) {
      if (b < base_taken.size() && base_taken[b]) return false;
      if (trie[n].value >= 0 && b < used.size() && used[b]) return false;
      for (const auto& [c, child] : trie[n].children)
        if ((b ^ c) < used.size() && used[b ^ c]) return false;
      return (pos ^ b) < (1u << 21);
    };
    while (!fits(base)) ++base;
    if (base >= base_taken.size()) base_taken.resize(base + 1, false);
    base_taken[base] = true;
    slot(pos) |= static_cast<uint32_t>(pos ^ base) << 10;
    if (trie[n].value >= 0) {
      slot(pos) |= 1u << 8;  // has_leaf
      slot(base) = (1u << 31) | static_cast<uint32_t>(trie[n].value);
      used[base] = true;
    }
    for (const auto& [c, child] : trie[n].children) {
      slot(base ^ c) = c;
      used[base ^ c] = true;
      todo.emplace_back(child, base ^ c);
    }
  }
  std::string out(4, '\0');
  const uint32_t trie_bytes = static_cast<uint32_t>(units.size() * 4);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(trie_bytes >> (8 * i));
  for (uint32_t u : units)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
  return out + blob;
}

TEST(NormalizerCharsMap, RewritesCodePoints) {
  const PrecompiledCharsMap map(make_charsmap({{"\xE3\x80\x80", " "}, {"\xE2\x80\x8B", " "}, {"x", "yy"}}));
  EXPECT_FALSE(map.empty());
  EXPECT_EQ(map.apply("ax\xE3\x80\x80" "b\xE2\x80\x8B" "c"), "ayy b c");
  EXPECT_EQ(map.apply("plain"), "plain");
  EXPECT_EQ(map.apply(""), "");
}

TEST(NormalizerCharsMap, UsesHfGraphemeAndShortestRuleSemantics) {
  // SentencePiece would take the longest rule; HF takes the shortest rule that prefixes a
  // grapheme cluster under 6 bytes and replaces the whole cluster with it.
  const PrecompiledCharsMap map(make_charsmap({{"e", "E"}, {"e\xCC\x81", "\xC3\xA9"}}));
  EXPECT_EQ(map.apply("e\xCC\x81"), "E");                // 3-byte cluster: the acute is lost
  EXPECT_EQ(map.apply("e\xCC\x81\xCC\x81"), "E");        // 5 bytes, still one rule
  EXPECT_EQ(map.apply("e\xCC\x81\xCC\x81\xCC\x81"), "E\xCC\x81\xCC\x81\xCC\x81");  // 7 bytes: per code point
  EXPECT_EQ(map.apply("ee"), "EE");                      // two clusters
  // A rule on a later code point of a cluster applies only through the per-code-point path.
  const PrecompiledCharsMap marks(make_charsmap({{"\xCC\x81", ""}}));
  EXPECT_EQ(marks.apply("ae\xCC\x81"), "ae");
}

TEST(NormalizerCharsMap, EmptyBlobIsIdentity) {
  const PrecompiledCharsMap map("");
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.apply("A\xE3\x80\x80" "b"), "A\xE3\x80\x80" "b");
}

TEST(NormalizerCharsMap, RejectsMalformedBlobs) {
  EXPECT_THROW(PrecompiledCharsMap("\x01\x02"), Error);
  EXPECT_THROW(PrecompiledCharsMap(std::string("\xFF\x00\x00\x00", 4) + "abcd"), Error);  // trie past the end
  EXPECT_THROW(PrecompiledCharsMap(std::string("\x00\x00\x00\x00", 4)), Error);           // no units
  std::string bad_utf8 = make_charsmap({{"x", "y"}});
  bad_utf8.back() = '\xFF';  // the replacement text must be UTF-8
  try {
    PrecompiledCharsMap map(bad_utf8 + '\0');
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("precompiled_charsmap"), std::string::npos) << e.what();
  }
}

TEST(NormalizerUtf8, FindsFirstInvalidByte) {
  EXPECT_EQ(find_invalid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ab\xC3"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xC1\x81"), 0u);          // overlong
  EXPECT_EQ(find_invalid_utf8("a\xED\xBF\xBF"), 1u);     // surrogate U+DFFF
  EXPECT_EQ(find_invalid_utf8("\xF0\x8F\xBF\xBF"), 0u);  // overlong four-byte
  EXPECT_EQ(decode_utf8("a\xC3\xA9\xF0\x9F\x98\x80"), (std::u32string{U'a', U'\u00e9', U'\U0001F600'}));
  EXPECT_EQ(encode_utf8(U"a\u00e9\U0001F600"), "a\xC3\xA9\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace edgemt::text
