// Compressed tensors in safetensors (ARCHITECTURE.md): AdaptivFloat codes described by the file's
// `edgemt.tensors` metadata entry, stored dense (one U8 code per element) or bitmask (U8 codes of
// the non-zero elements + `<name>.mask`, one bit per element, LSB first). Validating reader, writer.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/adaptivfloat.h"
#include "formats/safetensors.h"

namespace edgemt {

inline constexpr std::string_view kCompressedKey = "edgemt.tensors";  // __metadata__ key
inline constexpr std::string_view kMaskSuffix = ".mask";

enum class Layout : uint8_t { Dense, Bitmask };
std::string_view layout_name(Layout layout);  // "dense", "bitmask"

// The precision a product with the weight rounds its activations to: the optional entry field
// "activations" ("fp32", the default when absent, or "bf16"; an edgemt extension of ARCHITECTURE.md's
// entry). With bf16, y = bf16(x)·Wᵀ in fp32 accumulation on every path; AMX runs it as bf16 tiles.
enum class Activations : uint8_t { F32, Bf16 };
std::string_view activations_name(Activations a);  // "fp32", "bf16"

// A compressed tensor as stored, viewing the mapped file (valid while the SafetensorsFile lives).
struct CompressedView {
  std::string name;
  af::AfFormat format;
  std::vector<int64_t> shape;  // the logical shape, e.g. [out, in]
  Layout layout = Layout::Dense;
  Activations activations = Activations::F32;
  std::span<const uint8_t> codes;  // dense: [numel]; bitmask: [nnz], the non-zero elements row-major
  std::span<const uint8_t> mask;   // bitmask: [ceil(numel/8)], element i is bit i%8 of byte i/8; dense: empty
  size_t numel() const;
  bool mask_bit(size_t i) const { return (mask[i / 8] >> (i % 8)) & 1u; }
};

// The `edgemt.tensors` entries of one file, every entry checked at construction: metadata is a JSON
// object; encoding "adaptivfloat"; bits/exp_bits in range; exp_bias an integer in
// [-126, 127 − (2^e − 1)]; shape non-negative integers; layout dense|bitmask; the U8 tensor (and mask)
// present with the right element counts; mask popcount equals the code count, padding bits zero.
// Failures throw one-line edgemt::Error "<file>: tensor '<name>': <field> …".
class CompressedIndex {
 public:
  explicit CompressedIndex(const SafetensorsFile& f);

  bool empty() const { return entries_.empty(); }
  bool contains(std::string_view name) const { return entries_.count(name) > 0; }
  // The tensor's codes, after checking each is below 2^bits. Throws for a name not in the index.
  CompressedView get(std::string_view name) const;
  // True for tensors that store part of a compressed tensor without being one (`<name>.mask`).
  bool is_storage_only(std::string_view name) const { return masks_.count(name) > 0; }
  std::vector<std::string> names() const;

 private:
  const SafetensorsFile& file_;
  std::map<std::string, CompressedView, std::less<>> entries_;
  std::map<std::string, std::string, std::less<>> masks_;  // "<name>.mask" → name
};

// t's values [numel] into dst: decode() of each code, zero where the mask bit is clear.
void decode_to_f32(const CompressedView& t, std::span<float> dst);

// A compressed tensor to write; owns its bytes.
struct CompressedTensor {
  std::string name;
  af::AfFormat format;
  std::vector<int64_t> shape;
  Layout layout = Layout::Dense;
  Activations activations = Activations::F32;  // written only when bf16
  std::vector<uint8_t> codes;  // dense: [numel]; bitmask: the non-zero codes
  std::vector<uint8_t> mask;   // bitmask: [ceil(numel/8)]; dense: empty
};

// Encodes w [numel(shape)] with `format` (exp_bias already chosen). The bitmask layout marks the
// elements whose code is non-zero, so a kept weight that rounds to zero is stored as a zero too.
// NaN/Inf → edgemt::Error naming the tensor.
CompressedTensor compress_tensor(const std::string& name, const std::vector<int64_t>& shape, std::span<const float> w,
                                 const af::AfFormat& format, Layout layout);

// The safetensors tensors that store t: `name` (U8; dense keeps the logical shape, bitmask is [nnz])
// and, for bitmask, `name.mask` (U8 [ceil(numel/8)]). They view t's bytes.
std::vector<TensorToWrite> stored_tensors(const CompressedTensor& t);
// The `edgemt.tensors` metadata value (a JSON string) describing ts.
std::string compressed_metadata(std::span<const CompressedTensor> ts);

}  // namespace edgemt
