// `edgemt info --rss`: peak resident memory serving one task vs every task, each in a fresh process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "formats/config.h"
#include "runtime/pack_builder.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

TEST(InfoRss, MoreTasksCostTheirPacksInPeakMemory) {
  const fs::path demo = testing::source_dir() / "models/albert-tiny-sst2";
  const fs::path d = testing::temp_dir("info_rss");
  testing::copy_dir(demo, d);
  const AlbertConfig c = load_albert_config(demo / "config.json");
  size_t pack_bytes = 0;
  for (int k = 0; k < 4; ++k) {  // four F32 packs of ≈ 1.3 MB each (head + m 64 adapters per layer)
    testing::PackBuilder b;
    testing::add_random_head(b, c, 2, 100 + k);
    testing::add_random_adapters(b, c, 64, c.total_layers(), 200 + k);
    b.write(d / "tasks" / ("t" + std::to_string(k)),
            R"({"labels": ["a", "b"], "adapter": )" + testing::adapter_json(64, "gelu", false) + "}");
    pack_bytes += fs::file_size(d / "tasks" / ("t" + std::to_string(k)) / "task.safetensors");
  }
  const auto r = testing::run({"info", "--model", d.string(), "--rss", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out)["peak_rss"];
  EXPECT_EQ(j["one_task"], "default") << "the checkpoint's own head needs no pack";
  EXPECT_EQ(j["all_tasks"], 5);
  const auto one = j["one_task_bytes"].get<size_t>(), all = j["all_tasks_bytes"].get<size_t>();
  EXPECT_GT(one, fs::file_size(demo / "model.safetensors")) << "the backbone is resident";
  // Every pack is read at load (validated, adapters prepared): at least half their bytes show up.
  EXPECT_GT(all, one + pack_bytes / 2) << "one " << one << ", all " << all << ", packs " << pack_bytes;

  const auto text = testing::run({"info", "--model", d.string(), "--rss"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("peak RSS   one task (default)"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace edgemt
