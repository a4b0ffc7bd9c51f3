// Typed ALBERT weights, filled once from HF tensor names; layers never look weights up by string.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "formats/config.h"
#include "formats/safetensors.h"
#include "kernels/af8_gemm.h"
#include "kernels/amx_gemm.h"
#include "kernels/packed_gemm.h"
#include "kernels/sparse_gemm.h"

namespace edgemt {

// One block of a linear layer's output features, prepared once at load in the kernel's own layout:
// fp32 packed panels, dense AF8 codes, bitmask-sparse AF8 codes, or (AF8 on an AMX CPU) bf16 tiles
// (docs/kernels.md).
struct LinearPart {
  int row0 = 0;  // first output feature of the block
  std::variant<ops::PackedF32Weights, ops::Af8DenseWeights, ops::Af8BitmaskWeights, ops::AmxBf16Weights> w;
  bool bf16_x = false;  // the tensor asks for bf16 activations (AF8 kernels: x rounded first; AMX: one bf16 term)

  int rows() const;
  size_t bytes() const;
};

// A linear layer y = x·Wᵀ + b ready to run. W [out, in] is prepared as one part, or several stacked
// along out (query | key | value of a compressed model: each AF8 tensor keeps its own exponent bias).
// Copies share the prepared weights. The parts are the only copy of the weights: fp32 ones packed
// once for ops::packed_linear (no per-call repacking, as a BLAS sgemm does), AF8 ones as AF8.
struct LinearW {
  const float* b = nullptr;  // [out]
  int out = 0;
  int in = 0;
  std::shared_ptr<const std::vector<LinearPart>> parts;
};

// y [N, out] = x [N, in] · Wᵀ + b, on the kernel each part was prepared for (path: ops::active_isa()).
void linear(const LinearW& l, const float* x, int N, float* y);

// Non-zero weights of output rows [row0, row0 + rows) (values decoding to ±0 count as zeros), read
// from the prepared parts; and as a fraction of rows · in (0 for an empty range).
long count_nonzeros(const LinearW& l, int row0, int rows);
double nonzero_fraction(const LinearW& l, int row0, int rows);
double nonzero_fraction(const LinearW& l);

// `<prefix>.weight` [out, in] and `<prefix>.bias` [out] of each prefix, stacked along out, from f:
// a compressed AF8 weight stays compressed (bitmask with more than kDenseAbove non-zeros runs as
// dense AF8, faster there; bf16_x set where the tensor asks for bf16 activations) — except when
// active_isa() is kAmx, where it becomes bf16 tiles — and anything else is widened to fp32 and packed (the widened copy is not
// kept). Owned bytes (the stacked bias) go to `owned`; the file's tensors read go to `used`. Throws edgemt::Error
// naming the file and tensor.
LinearW load_linear(const SafetensorsFile& f, const std::vector<std::string>& prefixes, int out, int in,
                    std::vector<std::unique_ptr<float[]>>& owned, std::set<std::string>& used);
inline constexpr double kDenseAbove = 0.75;

struct NormW {
  const float* gamma = nullptr;  // [n]
  const float* beta = nullptr;   // [n]
};

struct LayerW {
  LinearW qkv;       // [3H, H]: query | key | value, concatenated at load for one GEMM
  LinearW attn_out;  // [H, H]
  NormW attn_ln;     // [H]
  LinearW ffn;       // [I, H]
  LinearW ffn_out;   // [H, I]
  NormW full_ln;     // [H]
};

struct MlmHeadW {
  LinearW dense;             // [E, H]
  NormW ln;                  // [E]
  const float* decoder_w;    // [V, E], tied to the word embeddings unless the file has its own
  const float* decoder_b;    // [V]
};

struct AlbertWeights {
  const float* word_emb = nullptr;  // [V, E]
  const float* pos_emb = nullptr;   // [P, E]
  const float* type_emb = nullptr;  // [TV, E]
  NormW emb_ln;                     // [E]
  LinearW proj;                     // [H, E] embedding_hidden_mapping_in
  std::vector<std::vector<LayerW>> groups;  // [num_hidden_groups][inner_group_num]
  std::optional<LinearW> pooler;      // [H, H]
  std::optional<LinearW> classifier;  // [C, H]
  std::optional<MlmHeadW> mlm;
};

// Owns the mapped file and any widened copies the typed pointers refer to.
class LoadedWeights {
 public:
  // Validates presence, shape and dtype of every tensor the config needs; throws edgemt::Error
  // naming the file and tensor. Tensors nobody asked for are listed in unused().
  LoadedWeights(const std::filesystem::path& safetensors, const AlbertConfig& config);

  const AlbertWeights& weights() const { return w_; }
  const std::vector<std::string>& unused() const { return unused_; }
  size_t bytes_on_disk() const;

 private:
  std::shared_ptr<SafetensorsFile> file_;
  std::vector<std::unique_ptr<float[]>> owned_;
  AlbertWeights w_;
  std::vector<std::string> unused_;
};

}  // namespace edgemt
