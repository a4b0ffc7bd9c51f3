// Every error path of the GLUE TSV reader: messages carry file:line and what was expected.
#include "text/glue_test_helpers.h"

namespace edgemt::glue {
namespace {

using namespace test;  // NOLINT: test helpers

TEST_F(GlueReaderErrors, WrongColumnCount) {
  const fs::path rte = write("rte.tsv",
                             "index\tsentence1\tsentence2\tlabel\n"
                             "0\tA.\tB.\tentailment\n"
                             "1\tC.\tnot_entailment\n");
  EXPECT_TRUE(contains(error_at("rte", rte), rte.string() + ":3: expected 4 tab-separated columns, got 3"));
  // A labelled row in a test file has one column too many.
  const fs::path test = write("test.tsv", "index\tsentence1\tsentence2\n0\tA.\tB.\tentailment\n");
  EXPECT_TRUE(contains(error_at("rte", test), test.string() + ":2: expected 3 tab-separated columns, got 4"));
  const fs::path cola = write("cola.tsv", "gj04\t1\t\tFine.\ngj04\t1\tToo few.\n");
  EXPECT_TRUE(contains(error_at("cola", cola), cola.string() + ":2: expected 4 tab-separated columns, got 3"));
  // Two columns on CoLA's first line make a test file only when the first one is "index".
  const fs::path cola2 = write("cola2.tsv", "gj04\tThe sailors rode.\n");
  EXPECT_TRUE(contains(error_at("cola", cola2), cola2.string() + ":1: expected 4 tab-separated columns, got 2"));
  // An empty line inside the file is a row with one column.
  const fs::path blank = write("blank.tsv", "sentence\tlabel\nfine \t1\n\nbad \t0\n");
  EXPECT_TRUE(contains(error_at("sst2", blank), blank.string() + ":3: expected 2 tab-separated columns, got 1"));
}

TEST_F(GlueReaderErrors, NonNumericScore) {
  const std::string header = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n";
  const std::string row = "0\tmain-news\theadlines\t2016\t0001\tnone\tnone\tA.\tB.\t";
  for (const std::string score : {"high", "", "4.0abc", "4,5", "nan", "inf", " 3.0"}) {
    SCOPED_TRACE("score '" + score + "'");
    const fs::path p = write("stsb.tsv", header + row + "5.000\n" + row + score + "\n");
    EXPECT_TRUE(contains(error_at("stsb", p), p.string() + ":3: score '" + score + "' is not a number"));
  }
}

TEST_F(GlueReaderErrors, UnknownLabel) {
  const fs::path rte = write("rte.tsv",
                             "index\tsentence1\tsentence2\tlabel\n"
                             "0\tA.\tB.\tentailment\n"
                             "1\tC.\tD.\tentails\n");
  EXPECT_TRUE(contains(error_at("rte", rte),
                       rte.string() + ":3: unknown label 'entails' (expected one of entailment, not_entailment)"));
  const fs::path rte_case = write("rte_case.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tEntailment\n");
  EXPECT_TRUE(contains(error_at("rte", rte_case), rte_case.string() + ":2: unknown label 'Entailment'"));
  // SNLI-style "-" (no gold label) is not an MNLI label.
  auto header = kMnliTestHeader;
  header.insert(header.end(), {"label1", "gold_label"});
  const fs::path mnli = write("mnli.tsv", tsv({header, mnli_row("0", "slate", "A.", "B.", {"neutral", "-"})}));
  EXPECT_TRUE(contains(error_at("mnli", mnli),
                       mnli.string() + ":2: unknown label '-' (expected one of entailment, neutral, contradiction)"));
  // Id-labelled tasks: only 0 .. C-1; names are not accepted there.
  const fs::path sst2 = write("sst2.tsv", "sentence\tlabel\nok \t1\nwhat \t2\n");
  EXPECT_TRUE(contains(error_at("sst2", sst2), sst2.string() + ":3: unknown label '2' (expected one of 0, 1)"));
  const fs::path neg = write("neg.tsv", "sentence\tlabel\nok \t-1\n");
  EXPECT_TRUE(contains(error_at("sst2", neg), neg.string() + ":2: unknown label '-1' (expected one of 0, 1)"));
  const fs::path wnli = write("wnli.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tentailment\n");
  EXPECT_TRUE(
      contains(error_at("wnli", wnli), wnli.string() + ":2: unknown label 'entailment' (expected one of 0, 1)"));
  const fs::path cola = write("cola.tsv", "gj04\t1\t\tFine.\ngj04\t1.0\t\tFine.\n");
  EXPECT_TRUE(contains(error_at("cola", cola), cola.string() + ":2: unknown label '1.0' (expected one of 0, 1)"));
}

TEST_F(GlueReaderErrors, MissingHeader) {
  const fs::path rte = write("rte.tsv", "0\tA.\tB.\tentailment\n1\tC.\tD.\tnot_entailment\n");
  const std::string msg = error_at("rte", rte);
  EXPECT_TRUE(contains(msg, rte.string() + ":1: expected a header with columns sentence1, sentence2 and label"));
  EXPECT_TRUE(contains(msg, "(or index for a test file) for RTE"));
  EXPECT_TRUE(contains(msg, "got '0, A., B., entailment'"));
  const fs::path sst2 = write("sst2.tsv", "it 's fine . \t1\n");
  EXPECT_TRUE(
      contains(error_at("sst2", sst2), sst2.string() + ":1: expected a header with columns sentence and label"));
  // MRPC without its header row.
  const fs::path mrpc = write("mrpc.tsv", "1\t702876\t702977\tA.\tB.\n");
  EXPECT_TRUE(contains(error_at("mrpc", mrpc),
                       mrpc.string() + ":1: expected a header with columns #1 String, #2 String and Quality"));
  // Neither the label nor a test file's index column.
  const fs::path no_label = write("no_label.tsv", "sentence\tscore\nfine \t1\n");
  EXPECT_TRUE(contains(error_at("sst2", no_label),
                       no_label.string() + ":1: expected a header with columns sentence and label (or index for a test "
                                           "file) for SST-2, got 'sentence, score'"));
  // A pair task's header without its second text column.
  const fs::path qnli = write("qnli.tsv", "index\tquestion\tlabel\n0\tWhy?\tentailment\n");
  EXPECT_TRUE(
      contains(error_at("qnli", qnli), qnli.string() + ":1: expected a header with columns question, sentence"));
}

TEST_F(GlueReaderErrors, HeaderOnlyHasNoExamples) {
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"rte", "index\tsentence1\tsentence2\tlabel\n"},
           {"rte", "index\tsentence1\tsentence2\tlabel"},
           {"sst2", "sentence\tlabel\n\n"},
           {"cola", "index\tsentence\n"},
           {"mrpc", "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"}}) {
    SCOPED_TRACE(name + ": " + text);
    const fs::path p = write("header.tsv", text);
    EXPECT_TRUE(contains(error_at(name, p), p.string() + ": no examples (the file holds only a header)"));
  }
}

TEST_F(GlueReaderErrors, EmptyFile) {
  const fs::path p = write("empty.tsv", "");
  EXPECT_TRUE(contains(error_at("rte", p), p.string() + ": empty file, expected the RTE layout"));
  EXPECT_TRUE(contains(error_at("cola", p), p.string() + ": empty file, expected the CoLA layout"));
}

TEST_F(GlueReaderErrors, MissingFile) {
  const fs::path p = dir_ / "no_such_dir" / "dev.tsv";
  EXPECT_TRUE(contains(error_at("sst2", p), p.string() + ": cannot open"));
}

TEST_F(GlueReaderErrors, InvalidUtf8) {
  // Offsets are 0-based within the line: "1\tcaf" is 5 bytes, then the Latin-1 é (0xE9).
  const fs::path latin1 = write("latin1.tsv",
                                "index\tsentence1\tsentence2\tlabel\n"
                                "0\tA.\tB.\tentailment\n"
                                "1\tcaf\xE9\tB.\tentailment\n");
  EXPECT_TRUE(contains(error_at("rte", latin1), latin1.string() + ":3: not valid UTF-8 (byte 5 of the line)"));
  // Overlong '/', a stray continuation byte, a sequence cut short at the end of the line (before CRLF).
  const fs::path overlong = write("overlong.tsv", "sentence\tlabel\nx\xC0\xAF \t1\n");
  EXPECT_TRUE(contains(error_at("sst2", overlong), overlong.string() + ":2: not valid UTF-8 (byte 1 of the line)"));
  const fs::path stray = write("stray.tsv", "gj04\t1\t\tok\ngj04\t1\t\t\x80 no\n");
  EXPECT_TRUE(contains(error_at("cola", stray), stray.string() + ":2: not valid UTF-8 (byte 8 of the line)"));
  const fs::path cut = write("cut.tsv", "index\tsentence\r\n0\tEuro \xE2\x82\r\n");
  EXPECT_TRUE(contains(error_at("sst2", cut), cut.string() + ":2: not valid UTF-8 (byte 7 of the line)"));
  // In the header itself; a BOM alone is fine, half a BOM is not.
  const fs::path half_bom =
      write("half_bom.tsv", "\xEF\xBBQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA.\tB.\n");
  EXPECT_TRUE(contains(error_at("mrpc", half_bom), half_bom.string() + ":1: not valid UTF-8 (byte 0 of the line)"));
}

}  // namespace
}  // namespace edgemt::glue
