// Processing-unit cycles and MAC counts of one GEMM y [M, N] = x [M, K] · Wᵀ on n VMACs of width n
// (ALGORITHMS.md §9, docs/simulator.md "Processing unit"). Weight-stationary: an n×n tile of W is
// decoded from its bitmask into the shadow weight registers while the previous tile multiplies the M
// input vectors, one per cycle. All-zero tiles are skipped; all-zero rows (vectors) are neither
// decoded nor clocked; a zero weight in an active vector costs a gated-operand MAC.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace edgemt::sim {

struct TileStats {
  long nonzero_rows = 0;      // weight vectors with at least one non-zero (≤ n)
  long nonzero_elements = 0;  // non-zero weights in the tile
};

struct GemmCycles {
  double cycles = 0;
  double tiles = 0;              // non-empty tiles processed
  double decoded_rows = 0;       // n-wide rows expanded by the bitmask decoders
  double nonzero_macs = 0;       // M × non-zero weights
  double zero_operand_macs = 0;  // M × zero weights inside active vectors
};

// The pipeline over non-empty tiles in processing order: with d_t = ⌈nonzero_rows_t / decoders⌉,
// cycles = d_1 + Σ_{t=2..T} max(M, d_t) + M   (0 when T = 0).
GemmCycles gemm_cycles(std::span<const TileStats> tiles, long M, long n, long decoders);

// Tile statistics of a row-major [N, K] mask (non-zero = 1), tiles in order (N-block, then K-block).
std::vector<TileStats> tile_stats(std::span<const uint8_t> mask, long N, long K, long n);

// Expected tiles of an [N, K] weight with unstructured sparsity (each weight non-zero with
// probability `density`), independent of M so it can be cached per tensor; up to four tile shapes.
struct TileProfile {
  struct Group {
    double tiles = 0;         // expected non-empty tiles of this shape
    double decode_cycles = 0; // ⌈expected active rows of a non-empty tile / decoders⌉
    double decoded_rows = 0, nonzero = 0, zero_operand = 0;  // per GEMM, per input vector for the MACs
  };
  Group groups[4];
  int count = 0;
};
TileProfile expected_tiles(long N, long K, double density, long n, long decoders);
GemmCycles cycles_for(const TileProfile& p, long M);
// = cycles_for(expected_tiles(N, K, density, n, decoders), M); exact for density 0 and 1.
GemmCycles gemm_cycles_expected(long M, long N, long K, double density, long n, long decoders);

// Dense cycles without tiling overheads, for reports: M·⌈N/n⌉·⌈K/n⌉.
double dense_issue_cycles(long M, long N, long K, long n);

}  // namespace edgemt::sim
