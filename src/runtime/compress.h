// edgemt compress: post-training magnitude pruning (ALGORITHMS.md §6) and AdaptivFloat quantisation
// (§7) of a model directory, written as a new model directory with compressed tensors
// (docs/formats.md "AdaptivFloat and compressed tensors").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/compressed.h"

namespace edgemt {

// Which matrices a pruning spec covers; "all" on the command line is all three.
enum class PruneGroup : uint8_t { Embeddings, Encoder, Tasks };
std::string_view prune_group_name(PruneGroup group);

struct PruneSpec {
  PruneGroup group = PruneGroup::Encoder;
  double sparsity = 0.0;  // in [0, 1): the fraction of each matrix's elements set to zero
  uint64_t num = 0;       // sparsity = num / den exactly, as written (den = 10^decimals)
  uint64_t den = 1;
};

// "magnitude:0.5:encoder,magnitude:0.6:embeddings": method (magnitude), SPARSITY a plain decimal
// in [0, 1) with at most 18 decimals, GROUP embeddings|encoder|tasks|all; each group at most once.
// Throws edgemt::Error naming the bad item.
std::vector<PruneSpec> parse_prune_specs(std::string_view text);

// The pruning group of a tensor by its HF / task-pack name (a leading "albert." is ignored);
// nullopt for tensors no group covers (LayerNorms, biases, the MLM head, …).
std::optional<PruneGroup> prune_group_of(std::string_view name);
// Elements a spec zeroes in a matrix of n: ⌊sparsity · n⌋, in exact integer arithmetic.
size_t pruned_count(size_t n, const PruneSpec& spec);
// Zeroes the `count` elements of smallest |w|; among equal magnitudes the lower (row-major) index
// is pruned first, so the result does not depend on the sort's implementation.
void magnitude_prune(std::span<float> w, size_t count);

enum class WeightFormat : uint8_t { F32, AdaptivFloat };

struct CompressOptions {
  WeightFormat weights = WeightFormat::AdaptivFloat;  // F32: matrices are written as plain F32
  int bits = 8;                                       // AdaptivFloat n
  int exp_bits = 3;                                   // AdaptivFloat e
  std::vector<PruneSpec> prune = {};
  Activations activations = Activations::F32;         // AF8 matrices: activations rounded to bf16 in their products
};

struct RegionStats {
  size_t tensors = 0;          // logical tensors (a bitmask tensor's mask is not counted apart)
  size_t parameters = 0;       // elements
  size_t matrix_elements = 0;  // elements of 2-D float tensors, the ones pruning and AF8 touch
  size_t matrix_zeros = 0;     // of those, zero in the output (pruned or rounded to zero)
  size_t bytes_before = 0;     // tensor data bytes in the source
  size_t bytes_after = 0;      // tensor data bytes written (codes + masks)
  void add(const RegionStats& o);
};

struct CompressReport {
  std::vector<std::pair<std::string, RegionStats>> regions;  // "embeddings", "encoder", "tasks", "other"
  RegionStats total;
  std::vector<std::string> not_copied;  // top-level files of the source left out (README, predictions …)
};

// Writes `out`, which must not exist and must not lie inside `model`, as a whole: everything is
// built in a temporary sibling directory, loaded once by the engine as a check, then renamed to
// `out`; on any failure the temporary directory is removed. Throws edgemt::Error.
CompressReport compress_model(const std::filesystem::path& model, const std::filesystem::path& out,
                              const CompressOptions& options);

}  // namespace edgemt
