// The HF ALBERT fast-tokenizer pipeline over a SentencePiece model loaded with libsentencepiece:
// added-token split on raw text, normalise, pre-tokenise, unigram Viterbi, truncate, template.
#include "text/tokenizer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <tuple>

#include <sentencepiece_processor.h>

#include "core/error.h"
#include "text/utf8.h"

namespace edgemt::text {

namespace {

// Piece types of sentencepiece_model.proto (the header is not installed, so the enum is here).
enum PieceType : uint64_t { kNormal = 1, kControl = 3, kUserDefined = 4 };

// What libsentencepiece does not expose: each piece's type and the normaliser's charsmap.
struct ProtoExtras {
  std::vector<uint64_t> piece_types;  // [V]
  std::string charsmap;
};

// Walks one protobuf message, calling visit(field number, varint value, bytes) for each field
// (bytes only for length-delimited ones). libsentencepiece has already validated the message.
template <class Visit>
void walk_proto(std::string_view msg, Visit&& visit) {
  size_t pos = 0;
  const auto take = [&](uint64_t n) {
    if (n > msg.size() - pos) throw Error("truncated protobuf field");
    pos += n;
    return msg.substr(pos - n, n);
  };
  const auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto b = static_cast<unsigned char>(take(1)[0]);
      v |= uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw Error("protobuf varint too long");
  };
  while (pos < msg.size()) {
    const uint64_t key = varint();
    uint64_t value = 0;
    std::string_view bytes;
    switch (key & 7) {
      case 0: value = varint(); break;
      case 1: take(8); break;
      case 2: bytes = take(varint()); break;
      case 5: take(4); break;
      default: throw Error("unsupported protobuf wire type " + std::to_string(key & 7));
    }
    visit(key >> 3, value, bytes);
  }
}

// ModelProto: 1 = repeated SentencePiece {1 piece, 2 score, 3 type}, 3 = NormalizerSpec
// {2 precompiled_charsmap}. A repeated singular field merges, so the last charsmap wins.
ProtoExtras read_proto_extras(std::string_view model) {
  ProtoExtras out;
  walk_proto(model, [&](uint64_t field, uint64_t, std::string_view bytes) {
    if (field == 1) {
      uint64_t type = kNormal;
      walk_proto(bytes, [&](uint64_t f, uint64_t v, std::string_view) { type = f == 3 ? v : type; });
      out.piece_types.push_back(type);
    } else if (field == 3) {
      walk_proto(bytes, [&](uint64_t f, uint64_t, std::string_view b) {
        if (f == 2) out.charsmap = std::string(b);
      });
    }
  });
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("read failed");
  return bytes;
}

// HF tokenizers' truncate_encodings, LongestFirst, for a pair whose specials are already
// taken out of `budget`: the shorter side keeps everything it can; when both must shrink they
// get budget/2 each and the odd token goes to the longer one (the second when they tie).
std::pair<size_t, size_t> longest_first(size_t len_a, size_t len_b, size_t budget) {
  if (len_a + len_b <= budget) return {len_a, len_b};
  size_t n1 = len_a, n2 = len_b;
  const bool swapped = n1 > n2;
  if (swapped) std::swap(n1, n2);
  n2 = n1 > budget ? n1 : std::max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = budget / 2;
    n2 = n1 + budget % 2;
  }
  if (swapped) std::swap(n1, n2);
  return {std::min(len_a, n1), std::min(len_b, n2)};
}

}  // namespace

Tokenizer::Tokenizer(const std::filesystem::path& spiece_model, TokenizerOptions options)
    : normalizer_options_{.lowercase = options.lowercase, .keep_accents = options.keep_accents} {
  const std::string where = spiece_model.string();
  const auto fail = [&](const std::string& why) {
    throw Error(where + ": cannot load SentencePiece model: " + why);
  };
  std::string bytes;
  try {
    bytes = read_file(spiece_model);
  } catch (const Error& e) {
    fail(e.what());
  }
  sentencepiece::SentencePieceProcessor sp;
  if (const auto status = sp.LoadFromSerializedProto(bytes); !status.ok())
    fail("not a valid model (libsentencepiece: " + status.ToString() + ")");
  ProtoExtras extras;
  try {
    extras = read_proto_extras(bytes);
    charsmap_ = PrecompiledCharsMap(extras.charsmap);
  } catch (const Error& e) {
    fail(e.what());
  }
  const int size = sp.GetPieceSize();
  if (extras.piece_types.size() != static_cast<size_t>(size))
    fail("found " + std::to_string(extras.piece_types.size()) + " pieces, libsentencepiece reports " +
         std::to_string(size));
  double min_score = std::numeric_limits<double>::infinity();
  trie_piece_.push_back(-1);
  for (int32_t id = 0; id < size; ++id) {
    pieces_.push_back(sp.IdToPiece(id));
    scores_.push_back(sp.GetScore(id));  // float widened exactly, as HF reads it from JSON
    min_score = std::min(min_score, scores_.back());
    const uint64_t type = extras.piece_types[id];
    if ((type == kControl || type == kUserDefined) && !pieces_.back().empty())  // "" would match forever
      added_tokens_.emplace_back(pieces_.back(), id);
    int32_t node = 0;
    for (const char c : pieces_.back()) {
      const uint64_t edge = uint64_t(node) << 8 | static_cast<unsigned char>(c);
      auto [it, inserted] = trie_edges_.try_emplace(edge, static_cast<int32_t>(trie_piece_.size()));
      if (inserted) trie_piece_.push_back(-1);
      node = it->second;
    }
    if (node != 0) trie_piece_[node] = id;  // a repeated piece maps to its last id, as in HF
  }
  std::unordered_map<std::string_view, int32_t> ids;  // views into pieces_, complete by now
  for (int32_t id = 0; id < size; ++id) ids[pieces_[id]] = id;
  unk_score_ = min_score - 10.0;
  // transformers also registers its named special tokens, whatever their piece type (a
  // duplicate entry is harmless: both match the same text and give the same id).
  for (const char* name : {"<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"})
    if (const auto it = ids.find(name); it != ids.end()) added_tokens_.emplace_back(name, it->second);
  std::stable_sort(added_tokens_.begin(), added_tokens_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  const auto find = [&](std::string_view piece) { return ids.contains(piece) ? ids.at(piece) : -1; };
  unk_id_ = sp.unk_id();  // HF hard-codes 1, which is where ALBERT models keep <unk>
  std::tie(pad_id_, cls_id_, sep_id_, mask_id_) =
      std::tuple(find("<pad>"), find("[CLS]"), find("[SEP]"), find("[MASK]"));
  if (cls_id_ < 0 || sep_id_ < 0)
    throw Error(where + ": SentencePiece model has no " + (cls_id_ < 0 ? "[CLS]" : "[SEP]") +
                " piece; ALBERT inputs need [CLS] and [SEP]");
}

std::string Tokenizer::piece(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(pieces_.size()) + ")");
  return pieces_[id];
}

std::vector<int32_t> Tokenizer::tokenize(std::string_view text) const {
  return tokenize_up_to(text, std::numeric_limits<size_t>::max());
}

std::vector<int32_t> Tokenizer::tokenize_up_to(std::string_view text, size_t limit) const {
  require_valid_utf8(text);
  std::vector<int32_t> ids;
  bool stopped = false;
  // Leftmost-longest scan for added tokens on the raw bytes; a token is valid UTF-8, so it can
  // only match at a code point boundary.
  size_t segment_start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const auto hit = std::find_if(added_tokens_.begin(), added_tokens_.end(),
                                  [&](const auto& t) { return text.substr(pos).starts_with(t.first); });
    if (hit == added_tokens_.end()) {
      ++pos;
      continue;
    }
    encode_segment(text.substr(segment_start, pos - segment_start), limit, stopped, ids);
    if (stopped) return ids;
    ids.push_back(hit->second);
    pos += hit->first.size();
    segment_start = pos;
  }
  encode_segment(text.substr(segment_start), limit, stopped, ids);
  return ids;
}

void Tokenizer::encode_segment(std::string_view raw, size_t limit, bool& stopped, std::vector<int32_t>& ids) const {
  if (raw.empty()) return;
  const std::string normalized = charsmap_.apply(normalize_albert(raw, normalizer_options_));
  for (const std::string& word : pre_tokenize(normalized)) {
    viterbi(word, ids);
    if (ids.size() >= limit) {
      stopped = true;
      return;
    }
  }
}

void Tokenizer::viterbi(std::string_view word, std::vector<int32_t>& ids) const {
  // best[e]: best path over word[0, e); HF's encode_optimized, scores summed in double.
  struct Node {  // start == npos: no path reaches this byte yet
    int32_t id = -1;
    double score = 0;
    size_t start = std::string_view::npos;
  };
  std::vector<Node> best(word.size() + 1);
  for (size_t start = 0; start < word.size();) {
    const double base = best[start].score;
    size_t next = start;
    next_code_point(word, next);
    bool has_single_char_piece = false;
    int32_t node = 0;
    for (size_t i = start; i < word.size(); ++i) {
      const auto it = trie_edges_.find(uint64_t(node) << 8 | static_cast<unsigned char>(word[i]));
      if (it == trie_edges_.end()) break;
      node = it->second;
      const int32_t id = trie_piece_[node];
      if (id < 0) continue;
      Node& target = best[i + 1];
      const double score = base + scores_[id];
      if (target.start == std::string_view::npos || score > target.score) target = {id, score, start};
      if (i + 1 == next) has_single_char_piece = true;
    }
    if (!has_single_char_piece) {
      Node& target = best[next];
      const double score = base + unk_score_;
      if (target.start == std::string_view::npos || score > target.score) target = {unk_id_, score, start};
    }
    start = next;
  }
  std::vector<int32_t> reversed;
  bool previous_unk = false;
  for (size_t end = word.size(); end > 0; end = best[end].start) {
    const int32_t id = best[end].id;
    if (id != unk_id_ || !previous_unk) reversed.push_back(id);  // runs of unknowns fuse into one
    previous_unk = id == unk_id_;
  }
  ids.insert(ids.end(), reversed.rbegin(), reversed.rend());
}

Encoding Tokenizer::encode(std::string_view text, std::optional<std::string_view> text_pair,
                           size_t max_length) const {
  // transformers passes a falsy text_pair ("") on as no pair at all.
  const bool is_pair = text_pair.has_value() && !text_pair->empty();
  const size_t specials = is_pair ? 3 : 2;
  if (max_length < specials)
    throw Error("max_length " + std::to_string(max_length) + " is too small: " +
                (is_pair ? "[CLS] A [SEP] B [SEP] needs at least 3" : "[CLS] A [SEP] needs at least 2"));
  // HF tokenizers (since its "early exit for truncation") drops every split (pre-token or added
  // token) after the first pre-token that leaves a sequence with >= max_length pieces; for a pair,
  // those cut lengths, not the full ones, decide which side is the longer below.
  std::vector<int32_t> a = tokenize_up_to(text, max_length);
  std::vector<int32_t> b = is_pair ? tokenize_up_to(*text_pair, max_length) : std::vector<int32_t>{};
  const size_t budget = max_length - specials;
  const auto [keep_a, keep_b] = is_pair ? longest_first(a.size(), b.size(), budget)
                                        : std::pair<size_t, size_t>{std::min(a.size(), budget), 0};
  a.resize(keep_a);
  b.resize(keep_b);

  Encoding enc;
  const auto push = [&](int32_t id, int32_t type) {
    enc.ids.push_back(id);
    enc.type_ids.push_back(type);
    enc.tokens.push_back(pieces_[id]);
  };
  push(cls_id_, 0);
  for (int32_t id : a) push(id, 0);
  push(sep_id_, 0);
  if (is_pair) {
    for (int32_t id : b) push(id, 1);
    push(sep_id_, 1);
  }
  return enc;
}

}  // namespace edgemt::text
