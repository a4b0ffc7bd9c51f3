// edgemt info: what a model directory holds — shape, tensors, parameters and bytes by region, tasks.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/peak_rss.h"
#include "core/error.h"
#include "edgemt/engine.h"
#include "formats/compressed.h"
#include "formats/model_dir.h"
#include "formats/safetensors.h"

namespace edgemt::cli {

namespace {

constexpr const char* kUnusedHead = "unused head";  // a model file's head that no task serves from

// "m 64 gelu, 12 sets" / "m 64 gelu, shared" / "-" (head only).
std::string adapter_text(const nlohmann::json& a) {
  if (a.is_null()) return "-";
  return "m " + std::to_string(a["size"].get<int>()) + " " + a["activation"].get<std::string>() + ", " +
         (a["share_across_layers"].get<bool>() ? std::string("shared") : std::to_string(a["sets"].get<int>()) + " sets");
}

// "light ramps after 1–11 (11), T 0.300 nats" / "-".
std::string exit_text(const nlohmann::json& e) {
  if (e.is_null()) return "-";
  const auto& l = e["layers"];
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s ramps after %d–%d (%zu), T %.3f nats", e["offramp"].get<std::string>().c_str(),
                l.front().get<int>(), l.back().get<int>(), l.size(), e["threshold"].get<double>());
  return buf;
}

// "layer 2, 64 bins" / "-".
std::string predictor_text(const nlohmann::json& p) {
  if (p.is_null()) return "-";
  return "layer " + std::to_string(p["layer"].get<int>()) + ", " + std::to_string(p["bins"].get<int>()) + " bins";
}

// "R 16, mean z 12.3, max 40.0, 5/144 self-only" / "full".
std::string spans_text(const nlohmann::json& s) {
  if (s.is_null()) return "full";
  char buf[160];
  std::snprintf(buf, sizeof buf, "R %g, mean z %.1f, max %.1f, %d/%d self-only", s["ramp"].get<double>(),
                s["mean_z"].get<double>(), s["max_z"].get<double>(), s["self_only"].get<int>(), s["heads"].get<int>());
  return buf;
}

}  // namespace

void add_info(CLI::App& app, Run& run) {
  struct Opts {
    std::string model;
    bool json = false;
    bool rss = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("info", "Describe a model: configuration, tensors, parameters, bytes by region, tasks");
  sub->add_option("--model", o->model, "Model directory (default: the bundled model)");
  sub->add_flag("--json", o->json, "Print one JSON object");
  sub->add_flag("--rss", o->rss, "Also measure peak resident memory serving one task vs every task (two child processes)");
  sub->callback([&run, o] {
    run = [o] {
      Engine engine(o->model.empty() ? default_model_dir() : o->model);
      print_warnings(engine);
      const ModelDir& d = engine.model_dir();
      const AlbertConfig& c = d.config;
      SafetensorsFile file(d.weights_path);
      struct Region {
        size_t tensors = 0, params = 0, bytes = 0;
      };
      std::map<std::string, Region> regions;
      Region total;
      // A compressed tensor counts its logical elements once; its mask adds bytes, not parameters.
      const auto count = [](const CompressedIndex& index, const TensorInfo& t, Region& r, Region& total) {
        const bool storage = index.is_storage_only(t.name);
        const size_t params = storage ? 0 : index.contains(t.name) ? index.get(t.name).numel() : t.numel();
        for (Region* x : {&r, &total}) {
          x->tensors += storage ? 0 : 1;
          x->params += params;
          x->bytes += t.nbytes;
        }
      };
      const CompressedIndex& index = file.compressed_index();
      for (const auto& t : file.tensors()) count(index, t, regions[region_of(t.name)], total);
      // Task packs are regions of their own (ARCHITECTURE.md: N tasks = one backbone + N packs); a
      // pack's bytes include its adapters and LayerNorms. The checkpoint's own head is "default";
      // without that task (a backbone: its pooler and pretraining SOP head) no task uses them.
      const auto task_names = engine.tasks();
      const bool has_default = std::find(task_names.begin(), task_names.end(), "default") != task_names.end();
      if (!has_default && regions.count("task head")) {
        regions[kUnusedHead] = regions["task head"];
        regions.erase("task head");
      }
      std::map<std::string, Region> task_bytes;
      task_bytes["default"] = regions.count("task head") ? regions["task head"] : Region{};
      for (const auto& t : task_names) {
        const auto pack = d.root / "tasks" / t / "task.safetensors";
        std::error_code ec;
        if (t == "default" || !std::filesystem::exists(pack, ec)) continue;
        SafetensorsFile pf(pack);
        Region& r = regions["task " + t];
        const CompressedIndex& pindex = pf.compressed_index();
        for (const auto& ti : pf.tensors()) count(pindex, ti, r, total);
        task_bytes[t] = r;
      }
      nlohmann::json tasks = nlohmann::json::array();
      for (const auto& t : engine.tasks()) {
        const TaskInfo& ti = engine.task_info(t);
        nlohmann::json adapter;  // null: head only
        if (const auto& a = ti.adapter)
          adapter = {{"size", a->size}, {"activation", a->activation}, {"share_across_layers", a->share_across_layers},
                     {"sets", a->sets}, {"parameters", a->parameters}};
        nlohmann::json early_exit, predictor, spans;  // null: none
        if (const auto& e = ti.early_exit)
          early_exit = {{"offramp", e->offramp}, {"threshold", e->threshold}, {"layers", e->layers}};
        if (const auto& p = ti.predictor) predictor = {{"layer", p->layer}, {"bins", p->bins}};
        if (const auto& s = ti.spans)
          spans = {{"ramp", s->ramp}, {"mean_z", s->mean_z}, {"max_z", s->max_z}, {"self_only", s->self_only},
                   {"heads", s->heads}};
        tasks.push_back({{"name", t}, {"glue_task", ti.glue_task}, {"labels", ti.labels}, {"regression", ti.regression},
                         {"adapter", adapter}, {"max_length", ti.max_length ? nlohmann::json(ti.max_length) : nlohmann::json()},
                         {"parameters", task_bytes[t].params}, {"bytes", task_bytes[t].bytes},
                         {"early_exit", early_exit}, {"predictor", predictor}, {"spans", spans}});
      }
      std::optional<PeakRss> rss;
      if (o->rss) rss = measure_peak_rss(d.root);
      if (o->json) {
        nlohmann::json j = {{"model", d.root.string()},
                            {"config", {{"vocab_size", c.vocab_size}, {"embedding_size", c.embedding_size},
                                        {"hidden_size", c.hidden_size}, {"num_hidden_layers", c.num_hidden_layers},
                                        {"num_hidden_groups", c.num_hidden_groups}, {"inner_group_num", c.inner_group_num},
                                        {"num_attention_heads", c.num_attention_heads},
                                        {"intermediate_size", c.intermediate_size}, {"hidden_act", c.hidden_act_name},
                                        {"max_position_embeddings", c.max_position_embeddings}}},
                            {"tensors", total.tensors}, {"parameters", total.params}, {"bytes", total.bytes},
                            {"tasks", tasks}};
        for (const auto& [name, r] : regions)
          j["regions"][name] = {{"tensors", r.tensors}, {"parameters", r.params}, {"bytes", r.bytes}};
        if (rss)
          j["peak_rss"] = {{"one_task", rss->task}, {"one_task_bytes", rss->one_task},
                           {"all_tasks", rss->tasks}, {"all_tasks_bytes", rss->all_tasks}};
        std::cout << j.dump() << "\n";
        return;
      }
      std::printf("model      %s\n", d.root.c_str());
      std::printf("shape      V %d  E %d  H %d  I %d  heads %d  layers %d (groups %d × inner %d)  act %s  positions %d\n",
                  c.vocab_size, c.embedding_size, c.hidden_size, c.intermediate_size, c.num_attention_heads,
                  c.num_hidden_layers, c.num_hidden_groups, c.inner_group_num, c.hidden_act_name.c_str(),
                  c.max_position_embeddings);
      std::printf("\n%-20s %8s %12s %12s\n", "region", "tensors", "parameters", "bytes");
      for (const auto& [name, r] : regions) std::printf("%-20s %8zu %12zu %12zu\n", name.c_str(), r.tensors, r.params, r.bytes);
      std::printf("%-20s %8zu %12zu %12zu\n", "total", total.tensors, total.params, total.bytes);
      if (regions.count(kUnusedHead))
        std::printf("(%s: the model file's pooler and classifier or pretraining head; no task serves from them, "
                    "each task pack has its own)\n",
                    kUnusedHead);
      std::printf("\n%-20s %-8s %-24s %12s %12s  %s\n", "task", "glue", "adapter", "parameters", "bytes", "labels");
      if (tasks.empty()) std::printf("(none: no classifier and no task packs)\n");
      for (const auto& t : tasks) {
        std::string labels;
        for (const auto& l : t["labels"]) labels += (labels.empty() ? "" : ", ") + l.get<std::string>();
        std::printf("%-20s %-8s %-24s %12zu %12zu  %s\n", t["name"].get<std::string>().c_str(),
                    t["glue_task"].get<std::string>().empty() ? "-" : t["glue_task"].get<std::string>().c_str(),
                    adapter_text(t["adapter"]).c_str(), t["parameters"].get<size_t>(), t["bytes"].get<size_t>(),
                    t["regression"].get<bool>() ? "(regression)" : labels.c_str());
      }
      const bool edgebert = std::any_of(tasks.begin(), tasks.end(), [](const nlohmann::json& t) {
        return !t["early_exit"].is_null() || !t["spans"].is_null();
      });
      if (edgebert) {
        std::printf("\n%-20s %-44s %-18s %s\n", "task", "early exit", "exit predictor", "attention spans");
        for (const auto& t : tasks)
          std::printf("%-20s %-44s %-18s %s\n", t["name"].get<std::string>().c_str(), exit_text(t["early_exit"]).c_str(),
                      predictor_text(t["predictor"]).c_str(), spans_text(t["spans"]).c_str());
      }
      if (rss) {
        const double mb = 1e-6;
        std::printf("\npeak RSS   one task (%s) %.1f MB; all %zu tasks %.1f MB (+%.1f MB)\n",
                    rss->task.empty() ? "-" : rss->task.c_str(), static_cast<double>(rss->one_task) * mb, rss->tasks,
                    static_cast<double>(rss->all_tasks) * mb,
                    (static_cast<double>(rss->all_tasks) - static_cast<double>(rss->one_task)) * mb);
      }
    };
  });
}

}  // namespace edgemt::cli
