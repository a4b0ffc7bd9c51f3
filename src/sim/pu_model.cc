// Analytical processing-unit model (docs/simulator.md "Processing unit").
#include "sim/pu_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace edgemt::sim {

namespace {

long ceil_div(long a, long b) { return (a + b - 1) / b; }

}  // namespace

GemmCycles gemm_cycles(std::span<const TileStats> tiles, long M, long n, long decoders) {
  EDGEMT_CHECK(M >= 1 && n >= 1 && decoders >= 1);
  GemmCycles r;
  for (size_t t = 0; t < tiles.size(); ++t) {
    const TileStats& s = tiles[t];
    EDGEMT_CHECK(s.nonzero_rows >= 1 && s.nonzero_rows <= n && s.nonzero_elements >= s.nonzero_rows);
    const long d = ceil_div(s.nonzero_rows, decoders);
    r.cycles += static_cast<double>(t == 0 ? d : std::max(M, d));
    r.decoded_rows += static_cast<double>(s.nonzero_rows);
    r.nonzero_macs += static_cast<double>(M * s.nonzero_elements);
    r.zero_operand_macs += static_cast<double>(M * (n * s.nonzero_rows - s.nonzero_elements));
  }
  r.tiles = static_cast<double>(tiles.size());
  if (!tiles.empty()) r.cycles += static_cast<double>(M);
  return r;
}

std::vector<TileStats> tile_stats(std::span<const uint8_t> mask, long N, long K, long n) {
  EDGEMT_CHECK(static_cast<long>(mask.size()) == N * K);
  std::vector<TileStats> out;
  for (long i0 = 0; i0 < N; i0 += n) {
    for (long j0 = 0; j0 < K; j0 += n) {
      TileStats s;
      for (long i = i0; i < std::min(N, i0 + n); ++i) {
        long row = 0;
        for (long j = j0; j < std::min(K, j0 + n); ++j) row += mask[static_cast<size_t>(i * K + j)] != 0;
        s.nonzero_rows += row > 0;
        s.nonzero_elements += row;
      }
      if (s.nonzero_rows) out.push_back(s);
    }
  }
  return out;
}

TileProfile expected_tiles(long N, long K, double density, long n, long decoders) {
  EDGEMT_CHECK(N >= 1 && K >= 1 && n >= 1 && decoders >= 1 && density >= 0 && density <= 1);
  TileProfile p;
  if (density == 0) return p;
  const double z = 1 - density;  // probability that one weight is zero
  // Tile shapes: rows n or the N edge, columns n or the K edge; the first listed comes first.
  const long rows[2] = {n, N % n}, cols[2] = {n, K % n};
  const long row_tiles[2] = {N / n, N % n ? 1 : 0}, col_tiles[2] = {K / n, K % n ? 1 : 0};
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) {
      const double count = static_cast<double>(row_tiles[a] * col_tiles[b]);
      if (count == 0) continue;
      const double rr = static_cast<double>(rows[a]), cc = static_cast<double>(cols[b]);
      const double p_tile = 1 - std::pow(z, rr * cc);     // the tile has a non-zero
      const double nz_rows = rr * (1 - std::pow(z, cc));  // expected active vectors per tile
      const double nz = density * rr * cc;
      TileProfile::Group& g = p.groups[p.count++];
      g.tiles = count * p_tile;
      g.decode_cycles = std::ceil(nz_rows / p_tile / static_cast<double>(decoders) - 1e-9);
      g.decoded_rows = count * nz_rows;
      g.nonzero = count * nz;
      g.zero_operand = count * (static_cast<double>(n) * nz_rows - nz);
    }
  }
  return p;
}

GemmCycles cycles_for(const TileProfile& p, long M) {
  GemmCycles r;
  const double m = static_cast<double>(M);
  double sum_max = 0;
  for (int i = 0; i < p.count; ++i) {
    const auto& g = p.groups[i];
    sum_max += g.tiles * std::max(m, g.decode_cycles);
    r.tiles += g.tiles;
    r.decoded_rows += g.decoded_rows;
    r.nonzero_macs += m * g.nonzero;
    r.zero_operand_macs += m * g.zero_operand;
  }
  // d_1 + Σ_{t≥2} max(M, d_t) + M, the first tile being of the first shape.
  if (r.tiles > 0) r.cycles = p.groups[0].decode_cycles + sum_max - std::max(m, p.groups[0].decode_cycles) + m;
  return r;
}

GemmCycles gemm_cycles_expected(long M, long N, long K, double density, long n, long decoders) {
  EDGEMT_CHECK(M >= 1);
  return cycles_for(expected_tiles(N, K, density, n, decoders), M);
}

double dense_issue_cycles(long M, long N, long K, long n) {
  return static_cast<double>(M) * static_cast<double>(ceil_div(N, n)) * static_cast<double>(ceil_div(K, n));
}

}  // namespace edgemt::sim
