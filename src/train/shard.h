// The pre-tokenised shard: a corpus as token ids with document and sentence boundaries, in one
// compact little-endian binary file (docs/formats.md, "Pre-tokenised shard").
//
//   offset  size  field
//   0       8     magic "EMTSHARD"
//   8       4     u32 version = 1
//   12      4     u32 id_bytes: 2 (u16 ids, when vocab_size <= 65535) or 4 (u32 ids)
//   16      4     u32 vocab_size V (every id < V)
//   20      20    i32 pad_id, unk_id, cls_id, sep_id, mask_id (-1 when the vocabulary lacks one)
//   40      8     u64 num_documents D (>= 1)
//   48      8     u64 num_sentences S (>= D; every document has at least one sentence)
//   56      8     u64 num_tokens N (every sentence has at least one token)
//   64      8(D+1)  u64 doc_start[]: document d holds sentences [doc_start[d], doc_start[d+1]); 0 … S
//   …       8(S+1)  u64 sent_start[]: sentence s holds tokens [sent_start[s], sent_start[s+1]); 0 … N
//   …       N·id_bytes  token ids
// The file size is exactly the sum of these; readers check every field and every boundary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace edgemt::train {

struct SpecialIds {
  int32_t pad = -1, unk = -1, cls = -1, sep = -1, mask = -1;
};

struct Shard {
  uint32_t vocab_size = 0;
  SpecialIds specials;
  std::vector<uint64_t> doc_start;   // [D + 1]
  std::vector<uint64_t> sent_start;  // [S + 1]
  std::vector<int32_t> ids;          // [N]

  size_t num_documents() const { return doc_start.empty() ? 0 : doc_start.size() - 1; }
  size_t num_sentences() const { return sent_start.empty() ? 0 : sent_start.size() - 1; }
  std::span<const int32_t> sentence(size_t s) const {
    return std::span(ids).subspan(sent_start[s], sent_start[s + 1] - sent_start[s]);
  }
};

// Builds a shard document by document (sentences must be non-empty; empty documents are dropped).
class ShardBuilder {
 public:
  ShardBuilder(uint32_t vocab_size, SpecialIds specials);
  void add_sentence(std::span<const int32_t> ids);  // to the current document
  void end_document();                              // no-op when the current document is empty
  Shard finish();                                   // ends the current document

 private:
  Shard shard_;
};

inline constexpr uint32_t kShardVersion = 1;

// Atomic write (temp file, fsync, rename). Throws edgemt::Error when the shard is empty or invalid.
void write_shard(const std::filesystem::path& path, const Shard& shard);
// Reads and validates the whole file; throws edgemt::Error naming the file and the bad field.
Shard read_shard(const std::filesystem::path& path);

}  // namespace edgemt::train
