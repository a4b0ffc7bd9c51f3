// safetensors files: a validating, memory-mapped reader (zero-copy access to the data) and an
// atomic writer. Layout: u64 little-endian header size N, N bytes of JSON header, data buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "formats/dtype.h"

namespace edgemt {

class CompressedIndex;  // formats/compressed.h

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  size_t offset = 0;  // into the data buffer
  size_t nbytes = 0;
  size_t numel() const;
};

std::string shape_str(std::span<const int64_t> shape);  // "[3, 64]"

class SafetensorsFile {
 public:
  // Maps the file and validates the whole header; throws edgemt::Error naming the file and,
  // where it applies, the tensor and what was expected.
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // sorted by offset
  const TensorInfo* find(std::string_view name) const;
  std::span<const std::byte> data(const TensorInfo& t) const;
  // "__metadata__": string → string, as the format defines it.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The index of the file's compressed tensors (formats/compressed.h), parsed and validated on the
  // first call and kept: loaders read tensor after tensor through it. A file whose index is broken
  // throws on every call. Thread-safe. Defined in compressed.cc.
  const CompressedIndex& compressed_index() const;

 private:
  std::filesystem::path path_;
  const std::byte* map_ = nullptr;
  size_t map_size_ = 0;
  const std::byte* data_ = nullptr;  // start of the data buffer
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> index_;  // name → position in tensors_
  std::map<std::string, std::string> metadata_;
  mutable std::mutex compressed_mutex_;
  mutable std::shared_ptr<const CompressedIndex> compressed_;  // built by compressed_index()
};

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::span<const std::byte> data;  // numel × dtype size bytes
};

// Writes atomically: a temporary file in the same directory, fsync, rename over `path`.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename).
void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes);

}  // namespace edgemt
