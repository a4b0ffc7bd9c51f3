// Non-zero counts of prepared linear layers, read from the kernel layouts themselves so a compressed
// model needs no fp32 copy of its weights for traces.
#include <algorithm>
#include <bit>

#include "model/weights.h"

namespace edgemt {
namespace {

// Rows [r0, r1) of a part, relative to the part.
long count(const ops::PackedF32Weights& w, int r0, int r1) {  // panels [ceil(N/16), K, 16]
  long nz = 0;
  for (int n = r0; n < r1; ++n) {
    const float* p = w.panels.data() + static_cast<size_t>(n / ops::kF32Panel) * w.cols * ops::kF32Panel + n % ops::kF32Panel;
    for (int k = 0; k < w.cols; ++k) nz += p[static_cast<size_t>(k) * ops::kF32Panel] != 0.0f;
  }
  return nz;
}

long count(const ops::Af8DenseWeights& w, int r0, int r1) {  // panels [ceil(N/16), K, 16] of codes
  long nz = 0;
  for (int n = r0; n < r1; ++n) {
    const uint8_t* p = w.panels.data() + static_cast<size_t>(n / ops::kAf8Panel) * w.cols * ops::kAf8Panel + n % ops::kAf8Panel;
    for (int k = 0; k < w.cols; ++k) nz += w.lut[p[static_cast<size_t>(k) * ops::kAf8Panel]] != 0.0f;
  }
  return nz;
}

// Codes are stored group by group, word by word, row by row (sparse_gemm.h); a kept code may still
// decode to zero.
long count(const ops::Af8BitmaskWeights& w, int r0, int r1) {
  long nz = 0;
  for (int g = r0 / ops::kAf8RowGroup; g < w.groups() && g * ops::kAf8RowGroup < r1; ++g) {
    const uint8_t* code = w.codes.data() + w.group_start[static_cast<size_t>(g)];
    for (int j = 0; j < w.words; ++j)
      for (int r = 0; r < ops::kAf8RowGroup; ++r) {
        const int n = g * ops::kAf8RowGroup + r;
        const int bits = std::popcount(w.mask[(static_cast<size_t>(g) * w.words + j) * ops::kAf8RowGroup + r]);
        if (n >= r0 && n < r1)
          for (int i = 0; i < bits; ++i) nz += w.lut[code[i]] != 0.0f;
        code += bits;
      }
  }
  return nz;
}

long count(const ops::AmxBf16Weights& w, int r0, int r1) {  // panels [P, kpad/2, 16, 2] of bf16
  long nz = 0;
  for (int n = r0; n < r1; ++n) {
    const uint16_t* p = w.tiles.data() + static_cast<size_t>(n / ops::kAmxPanel) * w.kpad * ops::kAmxPanel;
    for (int k = 0; k < w.cols; ++k)
      nz += (p[(static_cast<size_t>(k / 2) * ops::kAmxPanel + n % ops::kAmxPanel) * 2 + k % 2] & 0x7FFFu) != 0;
  }
  return nz;
}

}  // namespace

long count_nonzeros(const LinearW& l, int row0, int rows) {
  EDGEMT_CHECK(row0 >= 0 && rows >= 0 && row0 + rows <= l.out && l.parts);
  long nz = 0;
  for (const LinearPart& part : *l.parts) {
    const int r0 = std::max(row0, part.row0) - part.row0;
    const int r1 = std::min(row0 + rows, part.row0 + part.rows()) - part.row0;
    if (r0 < r1) nz += std::visit([&](const auto& w) { return count(w, r0, r1); }, part.w);
  }
  return nz;
}

double nonzero_fraction(const LinearW& l, int row0, int rows) {
  const double n = static_cast<double>(rows) * l.in;
  return n > 0 ? static_cast<double>(count_nonzeros(l, row0, rows)) / n : 0.0;
}

double nonzero_fraction(const LinearW& l) { return nonzero_fraction(l, 0, l.out); }

}  // namespace edgemt
