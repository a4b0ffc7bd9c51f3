// Pre-tokenised shard: builder, atomic writer and validating reader (layout in shard.h).
#include "train/shard.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "core/error.h"
#include "formats/safetensors.h"

namespace edgemt::train {

static_assert(std::endian::native == std::endian::little, "the shard format is little-endian");

namespace {

constexpr char kMagic[8] = {'E', 'M', 'T', 'S', 'H', 'A', 'R', 'D'};
constexpr size_t kHeaderBytes = 64;

template <typename T>
void put(std::vector<std::byte>& out, T v) {
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

template <typename T>
T get(const std::vector<char>& in, size_t offset) {
  T v;
  std::memcpy(&v, in.data() + offset, sizeof(T));
  return v;
}

// Checks what the reader and writer both rely on; `where` names the file.
void validate(const Shard& s, const std::string& where) {
  auto bad = [&](const std::string& what) { throw Error(where + ": " + what); };
  if (s.vocab_size == 0) bad("vocab_size is 0");
  if (s.num_documents() == 0 || s.ids.empty()) bad("shard is empty (no documents or no tokens)");
  if (s.doc_start.front() != 0 || s.doc_start.back() != s.num_sentences())
    bad("document boundaries must run from 0 to num_sentences " + std::to_string(s.num_sentences()));
  if (s.sent_start.front() != 0 || s.sent_start.back() != s.ids.size())
    bad("sentence boundaries must run from 0 to num_tokens " + std::to_string(s.ids.size()));
  for (size_t d = 0; d + 1 < s.doc_start.size(); ++d)
    if (s.doc_start[d + 1] <= s.doc_start[d]) bad("document " + std::to_string(d) + " has no sentence");
  for (size_t i = 0; i + 1 < s.sent_start.size(); ++i)
    if (s.sent_start[i + 1] <= s.sent_start[i]) bad("sentence " + std::to_string(i) + " has no token");
  for (size_t i = 0; i < s.ids.size(); ++i)
    if (s.ids[i] < 0 || static_cast<uint32_t>(s.ids[i]) >= s.vocab_size)
      bad("token " + std::to_string(i) + " has id " + std::to_string(s.ids[i]) + ", outside the vocabulary of " +
          std::to_string(s.vocab_size));
}

}  // namespace

ShardBuilder::ShardBuilder(uint32_t vocab_size, SpecialIds specials) {
  shard_.vocab_size = vocab_size;
  shard_.specials = specials;
  shard_.doc_start = {0};
  shard_.sent_start = {0};
}

void ShardBuilder::add_sentence(std::span<const int32_t> ids) {
  EDGEMT_CHECK(!ids.empty());
  shard_.ids.insert(shard_.ids.end(), ids.begin(), ids.end());
  shard_.sent_start.push_back(shard_.ids.size());
}

void ShardBuilder::end_document() {
  if (shard_.num_sentences() > shard_.doc_start.back()) shard_.doc_start.push_back(shard_.num_sentences());
}

Shard ShardBuilder::finish() {
  end_document();
  return std::move(shard_);
}

void write_shard(const std::filesystem::path& path, const Shard& s) {
  validate(s, path.string());
  const uint32_t id_bytes = s.vocab_size <= 65535 ? 2 : 4;
  std::vector<std::byte> out;
  out.reserve(kHeaderBytes + 8 * (s.doc_start.size() + s.sent_start.size()) + id_bytes * s.ids.size());
  for (char c : kMagic) put(out, c);
  put(out, kShardVersion);
  put(out, id_bytes);
  put(out, s.vocab_size);
  for (int32_t id : {s.specials.pad, s.specials.unk, s.specials.cls, s.specials.sep, s.specials.mask}) put(out, id);
  put(out, static_cast<uint64_t>(s.num_documents()));
  put(out, static_cast<uint64_t>(s.num_sentences()));
  put(out, static_cast<uint64_t>(s.ids.size()));
  EDGEMT_CHECK(out.size() == kHeaderBytes);
  for (uint64_t v : s.doc_start) put(out, v);
  for (uint64_t v : s.sent_start) put(out, v);
  for (int32_t id : s.ids) id_bytes == 2 ? put(out, static_cast<uint16_t>(id)) : put(out, static_cast<uint32_t>(id));
  write_file_atomic(path, out);
}

Shard read_shard(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(where + ": cannot open shard");
  const std::vector<char> in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (in.size() < kHeaderBytes || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
    throw Error(where + ": not an edgemt shard (bad magic; expected \"EMTSHARD\")");
  const auto version = get<uint32_t>(in, 8), id_bytes = get<uint32_t>(in, 12);
  if (version != kShardVersion)
    throw Error(where + ": shard version " + std::to_string(version) + " is not supported (expected " +
                std::to_string(kShardVersion) + ")");
  if (id_bytes != 2 && id_bytes != 4)
    throw Error(where + ": id_bytes is " + std::to_string(id_bytes) + ", expected 2 or 4");
  Shard s;
  s.vocab_size = get<uint32_t>(in, 16);
  s.specials = {get<int32_t>(in, 20), get<int32_t>(in, 24), get<int32_t>(in, 28), get<int32_t>(in, 32),
                get<int32_t>(in, 36)};
  const auto D = get<uint64_t>(in, 40), S = get<uint64_t>(in, 48), N = get<uint64_t>(in, 56);
  // Sizes are checked before any allocation so a corrupt count cannot ask for terabytes.
  const uint64_t limit = in.size();
  if (D >= limit || S >= limit || N >= limit || kHeaderBytes + 8 * (D + 1) + 8 * (S + 1) + id_bytes * N != in.size())
    throw Error(where + ": file size " + std::to_string(in.size()) + " does not match the header (documents " +
                std::to_string(D) + ", sentences " + std::to_string(S) + ", tokens " + std::to_string(N) +
                "): truncated or corrupt");
  size_t at = kHeaderBytes;
  s.doc_start.resize(D + 1);
  std::memcpy(s.doc_start.data(), in.data() + at, 8 * (D + 1));
  at += 8 * (D + 1);
  s.sent_start.resize(S + 1);
  std::memcpy(s.sent_start.data(), in.data() + at, 8 * (S + 1));
  at += 8 * (S + 1);
  s.ids.resize(N);
  for (size_t i = 0; i < N; ++i, at += id_bytes)
    s.ids[i] = id_bytes == 2 ? get<uint16_t>(in, at) : static_cast<int32_t>(get<uint32_t>(in, at));
  validate(s, where);
  return s;
}

}  // namespace edgemt::train
