// The pre-tokenised shard: round trips (u16 and u32 ids), corpus tokenisation, and damaged files.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "support/files.h"
#include "support/paths.h"
#include "text/tokenizer.h"
#include "train/shard.h"
#include "train/tokenize_corpus.h"
#include "train/train_fixtures.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using train::Shard;

void expect_same(const Shard& a, const Shard& b) {
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.specials.pad, b.specials.pad);
  EXPECT_EQ(a.specials.mask, b.specials.mask);
  EXPECT_EQ(a.doc_start, b.doc_start);
  EXPECT_EQ(a.sent_start, b.sent_start);
  EXPECT_EQ(a.ids, b.ids);
}

std::string error_of(const fs::path& p) {
  try {
    train::read_shard(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Shard, RoundTripU16) {
  const Shard s = testing::topic_shard(64, 9, 1);
  const fs::path p = testing::temp_dir("shard-u16") / "s.bin";
  train::write_shard(p, s);
  expect_same(train::read_shard(p), s);
  // 64-byte header + boundaries + 2 bytes per id.
  EXPECT_EQ(fs::file_size(p), 64 + 8 * (s.doc_start.size() + s.sent_start.size()) + 2 * s.ids.size());
}

TEST(Shard, RoundTripU32WhenTheVocabularyIsLarge) {
  train::ShardBuilder b(70000, testing::kSpecials);
  b.add_sentence(std::vector<int32_t>{5, 65535, 69999});
  b.end_document();
  b.add_sentence(std::vector<int32_t>{7});
  b.add_sentence(std::vector<int32_t>{66000, 8});
  const Shard s = b.finish();
  ASSERT_EQ(s.num_documents(), 2u);
  ASSERT_EQ(s.num_sentences(), 3u);
  const fs::path p = testing::temp_dir("shard-u32") / "s.bin";
  train::write_shard(p, s);
  expect_same(train::read_shard(p), s);
  EXPECT_EQ(fs::file_size(p), 64 + 8 * (3 + 4) + 4 * 6u);
}

TEST(Shard, DamagedFilesAreNamedErrors) {
  const fs::path dir = testing::temp_dir("shard-bad");
  EXPECT_NE(error_of(dir / "missing.bin").find("missing.bin: cannot open shard"), std::string::npos);

  const Shard s = testing::topic_shard(64, 3, 2);
  train::write_shard(dir / "good.bin", s);
  std::ifstream in(dir / "good.bin", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  std::string bad_magic = bytes;
  bad_magic[0] = 'X';
  testing::write_text(dir / "magic.bin", bad_magic);
  EXPECT_NE(error_of(dir / "magic.bin").find("bad magic"), std::string::npos);

  std::string bad_version = bytes;
  bad_version[8] = 9;
  testing::write_text(dir / "version.bin", bad_version);
  EXPECT_NE(error_of(dir / "version.bin").find("shard version 9 is not supported"), std::string::npos);

  testing::write_text(dir / "short.bin", bytes.substr(0, bytes.size() - 1));
  EXPECT_NE(error_of(dir / "short.bin").find("truncated or corrupt"), std::string::npos);

  std::string huge = bytes;  // a corrupt token count must not allocate
  huge[56 + 7] = 0x7f;
  testing::write_text(dir / "huge.bin", huge);
  EXPECT_NE(error_of(dir / "huge.bin").find("does not match the header"), std::string::npos);

  std::string bad_id = bytes;  // the last id (u16) beyond the vocabulary of 64
  bad_id[bad_id.size() - 2] = static_cast<char>(200);
  testing::write_text(dir / "id.bin", bad_id);
  EXPECT_NE(error_of(dir / "id.bin").find("outside the vocabulary of 64"), std::string::npos);

  std::string bad_bound = bytes;  // first sentence boundary must be 0
  const size_t sent_table = 64 + 8 * s.doc_start.size();
  bad_bound[sent_table] = 1;
  testing::write_text(dir / "bound.bin", bad_bound);
  EXPECT_NE(error_of(dir / "bound.bin").find("sentence boundaries"), std::string::npos);
}

TEST(TokenizeCorpus, DocumentsSentencesAndIdsFollowTheTokenizer) {
  EDGEMT_REQUIRE_SHARED();
  const text::Tokenizer tok(testing::shared_dir() / "fixtures/tools/spiece_tiny.model");
  const fs::path dir = testing::temp_dir("tokenize");
  const std::vector<std::string> lines = {"The movie was great.",
                                          "I would watch it again.",
                                          "",
                                          "   ",
                                          "A second document, one line.",
                                          "",
                                          "",
                                          "Third: two",
                                          "lines here."};
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  testing::write_text(dir / "corpus.txt", text);
  train::TokenizeStats st;
  int calls = 0;
  const Shard s = train::tokenize_corpus(
      dir / "corpus.txt", tok, [&](const train::TokenizeStats&) { ++calls; }, &st);
  EXPECT_EQ(s.num_documents(), 3u);
  EXPECT_EQ(s.num_sentences(), 5u);
  EXPECT_EQ(s.doc_start, (std::vector<uint64_t>{0, 2, 3, 5}));
  EXPECT_EQ(st.documents, 3u);
  EXPECT_EQ(st.lines, lines.size());
  EXPECT_GE(calls, 1);
  EXPECT_EQ(s.vocab_size, tok.vocab_size());
  EXPECT_EQ(s.specials.mask, tok.mask_id());
  const auto want = tok.tokenize("I would watch it again.");
  const auto got = s.sentence(1);
  EXPECT_EQ(std::vector<int32_t>(got.begin(), got.end()), want);
}

TEST(TokenizeCorpus, EmptyOrInvalidCorpusIsAnError) {
  EDGEMT_REQUIRE_SHARED();
  const text::Tokenizer tok(testing::shared_dir() / "fixtures/tools/spiece_tiny.model");
  const fs::path dir = testing::temp_dir("tokenize-bad");
  testing::write_text(dir / "empty.txt", "\n\n  \n");
  EXPECT_THROW(
      {
        try {
          train::tokenize_corpus(dir / "empty.txt", tok, {});
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("corpus is empty"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
  testing::write_text(dir / "latin1.txt", "fine line\nbad \xe9t\xe9 line\n");
  EXPECT_THROW(
      {
        try {
          train::tokenize_corpus(dir / "latin1.txt", tok, {});
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("latin1.txt:2: text is not valid UTF-8"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
  EXPECT_THROW(train::tokenize_corpus(dir / "none.txt", tok, {}), Error);
}

}  // namespace
}  // namespace edgemt
