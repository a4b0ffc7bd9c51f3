// Small file helpers for tests: write bytes/text, build raw safetensors with a hand-written header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace edgemt::testing {

void write_text(const std::filesystem::path& p, const std::string& s);
// 8-byte little-endian header size + header + `data_bytes` zero bytes.
void write_raw_safetensors(const std::filesystem::path& p, const std::string& header, size_t data_bytes);
std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f);
// Copies a model directory (regular files, recursively) so a test can damage the copy.
void copy_dir(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace edgemt::testing
