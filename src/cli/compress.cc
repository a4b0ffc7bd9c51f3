// edgemt compress: AdaptivFloat quantisation and magnitude pruning of a model directory into a new
// one, with a summary of what changed per region.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "formats/adaptivfloat.h"
#include "runtime/compress.h"

namespace edgemt::cli {

namespace {

std::string grouped(size_t n) {  // 1234567 → "1,234,567"
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

void print_row(const std::string& name, const RegionStats& r) {
  char pct[32];
  if (r.matrix_elements)
    std::snprintf(pct, sizeof pct, "%.1f %%",
                  100.0 * static_cast<double>(r.matrix_zeros) / static_cast<double>(r.matrix_elements));
  else
    std::snprintf(pct, sizeof pct, "-");
  const double ratio = r.bytes_after ? static_cast<double>(r.bytes_before) / static_cast<double>(r.bytes_after) : 0.0;
  std::printf("%-12s %8zu %12s %9s %14s %14s %7.2fx\n", name.c_str(), r.tensors, grouped(r.parameters).c_str(), pct,
              grouped(r.bytes_before).c_str(), grouped(r.bytes_after).c_str(), ratio);
}

}  // namespace

void add_compress(CLI::App& app, Run& run) {
  struct Opts {
    std::string model, out, weights = "af8", prune, activations = "fp32";
    int bits = 8, exp_bits = 3;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("compress", "Prune and AdaptivFloat-quantise a model into a new model directory");
  sub->add_option("--model", o->model, "Model directory (default: the bundled model)");
  sub->add_option("--out", o->out, "New model directory to write (must not exist)")->required();
  sub->add_option("--weights", o->weights, "Matrix format: af8 (AdaptivFloat, default) or f32");
  sub->add_option("--bits", o->bits, "AdaptivFloat bits per weight, 3 … 8 (default 8)");
  sub->add_option("--exp-bits", o->exp_bits, "AdaptivFloat exponent bits, 1 … bits − 2 (default 3)");
  sub->add_option("--prune", o->prune,
                  "Magnitude pruning, METHOD:SPARSITY:GROUP[,…], e.g. magnitude:0.5:encoder; groups embeddings, "
                  "encoder, tasks, all");
  sub->add_option("--activations", o->activations,
                  "Precision of the activations in products with the AF8 matrices: fp32 (default) or bf16 "
                  "(run on AMX tiles where the CPU has them)");
  sub->callback([&run, o, sub] {
    run = [o, sub] {
      CompressOptions opts;
      const bool widths_given = sub->count("--bits") || sub->count("--exp-bits");
      if (o->weights == "f32") {
        if (widths_given) throw UsageError("--bits and --exp-bits apply to --weights af8 only");
        opts.weights = WeightFormat::F32;
      } else {
        const af::AfPreset* preset = nullptr;
        for (const auto& p : af::kPresets)
          if (p.name == o->weights) preset = &p;
        if (!preset) throw Error("--weights '" + o->weights + "': expected af8 or f32");
        opts.bits = sub->count("--bits") ? o->bits : preset->bits;
        opts.exp_bits = sub->count("--exp-bits") ? o->exp_bits : preset->exp_bits;
        af::check_bits(opts.bits, opts.exp_bits, "--bits/--exp-bits");
      }
      if (o->activations == "bf16") {
        if (opts.weights != WeightFormat::AdaptivFloat || opts.bits != 8)
          throw UsageError("--activations bf16 applies to 8-bit AdaptivFloat weights (--weights af8) only");
        opts.activations = Activations::Bf16;
      } else if (o->activations != "fp32") {
        throw Error("--activations '" + o->activations + "': expected fp32 or bf16");
      }
      if (sub->count("--prune")) opts.prune = parse_prune_specs(o->prune);
      const std::string model = o->model.empty() ? default_model_dir() : o->model;
      const CompressReport report = compress_model(model, o->out, opts);

      std::printf("%s -> %s: ", model.c_str(), o->out.c_str());
      if (opts.weights == WeightFormat::F32)
        std::printf("matrices F32");
      else
        std::printf("matrices AdaptivFloat %d-bit (%d exponent bits)%s", opts.bits, opts.exp_bits,
                    opts.activations == Activations::Bf16 ? ", bf16 activations" : "");
      for (const auto& p : opts.prune)
        std::printf(", %s magnitude-pruned to %g %%", std::string(prune_group_name(p.group)).c_str(),
                    100.0 * p.sparsity);
      std::printf("\n\n%-12s %8s %12s %9s %14s %14s %8s\n", "region", "tensors", "parameters", "sparsity",
                  "bytes before", "bytes after", "ratio");
      for (const auto& [name, r] : report.regions) print_row(name, r);
      print_row("total", report.total);
      std::printf("\nsparsity: zeros among the region's matrices after pruning and rounding; bytes: tensor data\n");
      if (!report.not_copied.empty()) {
        std::string list;
        for (const auto& n : report.not_copied) list += (list.empty() ? "" : ", ") + n;
        std::printf("not copied: %s\n", list.c_str());
      }
    };
  });
}

}  // namespace edgemt::cli
