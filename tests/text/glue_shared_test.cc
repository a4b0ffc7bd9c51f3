// The GLUE reader on the real files in ../shared/glue: counts, known rows, label tallies.
#include "text/glue_test_helpers.h"

namespace edgemt::glue {
namespace {

using namespace test;  // NOLINT: test helpers

// ---- The real GLUE files in ../shared/glue ----

fs::path glue_dir() { return testing::shared_dir() / "glue"; }

Dataset read_shared(std::string_view name, const std::string& file) {
  return read_glue_file(task(name), glue_dir() / task(name).dir / file);
}

size_t count_label(const Dataset& ds, int label) {
  return static_cast<size_t>(
      std::count_if(ds.examples.begin(), ds.examples.end(), [&](const Example& e) { return e.label == label; }));
}

class GlueShared : public ::testing::Test {
 protected:
  void SetUp() override {
    EDGEMT_REQUIRE_SHARED();
    ASSERT_TRUE(fs::is_directory(glue_dir())) << glue_dir();
  }
};

TEST_F(GlueShared, Sst2) {
  const Dataset dev = read_shared("sst2", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 872u);
  EXPECT_EQ(dev.examples[0].text_a, "it 's a charming and often affecting journey . ");
  EXPECT_EQ(dev.examples[0].label, 1);
  EXPECT_EQ(dev.examples[1].text_a, "unflinchingly bleak and desperate ");
  EXPECT_EQ(dev.examples[1].label, 0);
  EXPECT_EQ(dev.examples[871].line, 873u);
  EXPECT_EQ(count_label(dev, 1), 444u);  // counted with awk
  EXPECT_EQ(count_label(dev, 0), 428u);

  const Dataset test = read_shared("sst2", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 1821u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a, "uneasy mishmash of styles and genres .");
  EXPECT_EQ(test.examples[1820].index, "1820");
  EXPECT_EQ(test.examples[1820].label, std::nullopt);

  EXPECT_EQ(read_shared("sst2", "train.tsv").examples.size(), 67349u);
}

TEST_F(GlueShared, Cola) {
  const Dataset dev = read_shared("cola", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 1043u);
  EXPECT_EQ(dev.examples[0].text_a, "The sailors rode the breeze clear of the rocks.");
  EXPECT_EQ(dev.examples[0].label, 1);
  EXPECT_EQ(dev.examples[0].line, 1u);
  EXPECT_EQ(dev.examples[1042].text_a, "John talked to Bill about himself.");  // no final newline
  EXPECT_EQ(count_label(dev, 1), 721u);
  EXPECT_EQ(count_label(dev, 0), 322u);

  const Dataset test = read_shared("cola", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 1063u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a, "Bill whistled past the house.");
  EXPECT_EQ(test.examples[1062].index, "1062");
  EXPECT_EQ(test.examples[1062].text_a, "A picture of himself frightened John.");

  EXPECT_EQ(read_shared("cola", "train.tsv").examples.size(), 8551u);
}

TEST_F(GlueShared, Mrpc) {
  const Dataset dev = read_shared("mrpc", "dev.tsv");  // starts with a BOM
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 408u);
  EXPECT_EQ(dev.examples[0].label, 1);
  EXPECT_EQ(dev.examples[0].text_a,
            "He said the foodservice pie business doesn't fit the company's long-term growth strategy.");
  EXPECT_EQ(dev.examples[0].text_b, "\"The foodservice pie business does not fit our long-term growth strategy.");
  EXPECT_EQ(dev.examples[1].label, 0);
  EXPECT_EQ(dev.examples[407].text_b,
            "In Soviet times the Beatles' music \"was considered propaganda of an alien ideology.");
  EXPECT_EQ(count_label(dev, 1), 279u);
  EXPECT_EQ(count_label(dev, 0), 129u);

  const Dataset test = read_shared("mrpc", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 1725u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a,
            "PCCW's chief operating officer, Mike Butcher, and Alex Arena, the chief financial officer, will report "
            "directly to Mr So.");
  EXPECT_EQ(test.examples[1724].index, "1724");

  EXPECT_EQ(read_shared("mrpc", "train.tsv").examples.size(), 3668u);
}

TEST_F(GlueShared, Stsb) {
  const Dataset dev = read_shared("stsb", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 1500u);
  EXPECT_EQ(dev.examples[0].text_a, "A man with a hard hat is dancing.");
  EXPECT_EQ(dev.examples[0].text_b, "A man wearing a hard hat is dancing.");
  EXPECT_EQ(dev.examples[0].score, 5.0f);
  EXPECT_EQ(dev.examples[0].label, std::nullopt);
  EXPECT_EQ(dev.examples[1].text_a, "A young child is riding a horse.");
  EXPECT_EQ(dev.examples[1].score, 4.75f);
  EXPECT_EQ(dev.examples[1499].index, "1499");
  EXPECT_EQ(dev.examples[1499].score, 0.0f);
  // Exact decimal sum of the score column: 3545.861333…; each score is held as a float (error
  // ≤ 2.4e-7 for values ≤ 5), so 1500 of them stay within 3.6e-4.
  double sum = 0;
  for (const auto& e : dev.examples) sum += static_cast<double>(*e.score);
  EXPECT_NEAR(sum, 3545.8613333333333, 3.6e-4);

  EXPECT_EQ(read_shared("stsb", "train.tsv").examples.size(), 5749u);
}

TEST_F(GlueShared, Rte) {
  const Dataset dev = read_shared("rte", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 277u);
  EXPECT_EQ(dev.examples[0].text_a,
            "Dana Reeve, the widow of the actor Christopher Reeve, has died of lung cancer at age 44, according to "
            "the Christopher Reeve Foundation.");
  EXPECT_EQ(dev.examples[0].text_b, "Christopher Reeve had an accident.");
  EXPECT_EQ(dev.examples[0].label, 1);  // not_entailment
  EXPECT_EQ(dev.examples[1].label, 0);  // entailment
  // The last row looks CSV-quoted but must come through verbatim.
  const std::string& last = dev.examples[276].text_a;
  EXPECT_EQ(last.rfind("\"Danny Kennedy, Greenpeace campaigns director, said: \"\"The burden of proof", 0), 0u) << last;
  EXPECT_TRUE(last.ends_with("because [it] opposes his political opinions.\"\"\"")) << last;
  EXPECT_EQ(count_label(dev, 0), 146u);
  EXPECT_EQ(count_label(dev, 1), 131u);

  EXPECT_EQ(read_shared("rte", "train.tsv").examples.size(), 2490u);
}

TEST_F(GlueShared, Qnli) {
  const Dataset dev = read_shared("qnli", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 5463u);
  EXPECT_EQ(dev.examples[0].text_a, "What came into force after the new constitution was herald?");
  EXPECT_EQ(dev.examples[0].text_b,
            "As of that day, the new constitution heralding the Second Republic came into force.");
  EXPECT_EQ(dev.examples[0].label, 0);
  EXPECT_EQ(dev.examples[1].label, 1);
  EXPECT_EQ(count_label(dev, 0), 2702u);
  EXPECT_EQ(count_label(dev, 1), 2761u);

  const Dataset test = read_shared("qnli", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 5463u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a, "What organization is devoted to Jihad against Israel?");
  EXPECT_EQ(test.examples[1].text_a, "In what century was the Yarrow-Schlick-Tweedy balancing system used?");
  EXPECT_EQ(test.examples[5462].index, "5462");
}

}  // namespace
}  // namespace edgemt::glue
