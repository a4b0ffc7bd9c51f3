// Cycle by cycle: the decoder fills the shadow tile row by row (all-zero rows skipped, `decoders`
// rows a cycle) while the array multiplies the active tile with one input vector a cycle; the two
// swap at the end of a cycle in which the active tile is done and the shadow tile is ready.
#include "sim/vmac_stepper.h"

#include <algorithm>

#include "core/error.h"

namespace edgemt::sim {

namespace {

struct Tile {
  long i0 = 0, j0 = 0;            // top-left of the tile in W
  std::vector<long> active_rows;  // rows of the tile with a non-zero weight
};

}  // namespace

SteppedGemm step_gemm(std::span<const float> x, std::span<const float> w, long M, long N, long K, long n,
                      long decoders) {
  EDGEMT_CHECK(static_cast<long>(x.size()) == M * K && static_cast<long>(w.size()) == N * K);
  // The tile queue: only tiles with a non-zero weight (the mask buffer flags empty tiles).
  std::vector<Tile> queue;
  for (long i0 = 0; i0 < N; i0 += n)
    for (long j0 = 0; j0 < K; j0 += n) {
      Tile t{i0, j0, {}};
      for (long r = 0; r < n && i0 + r < N; ++r)
        for (long c = 0; c < n && j0 + c < K; ++c)
          if (w[static_cast<size_t>((i0 + r) * K + j0 + c)] != 0) {
            t.active_rows.push_back(r);
            break;
          }
      if (!t.active_rows.empty()) queue.push_back(std::move(t));
    }

  SteppedGemm out;
  out.y.assign(static_cast<size_t>(M * N), 0.0f);
  size_t next_decode = 0;         // tile the decoder works on
  size_t rows_decoded = 0;        // of that tile
  long shadow = -1, active = -1;  // tile indices held in the shadow and active registers
  long token = 0;                 // next input vector of the active tile
  size_t done = 0;
  while (done < queue.size()) {
    ++out.counts.cycles;
    if (active >= 0 && token < M) {  // the array: one input vector against the active tile
      const Tile& t = queue[static_cast<size_t>(active)];
      for (long r = 0; r < n; ++r) {
        if (std::find(t.active_rows.begin(), t.active_rows.end(), r) == t.active_rows.end()) {
          ++out.gated_vectors;  // all-zero weight vector (or padding row): clock-gated
          continue;
        }
        float acc = 0;
        for (long c = 0; c < n; ++c) {
          const float wv = t.j0 + c < K ? w[static_cast<size_t>((t.i0 + r) * K + t.j0 + c)] : 0.0f;
          if (wv == 0) {
            ++out.counts.zero_operand_macs;
            continue;
          }
          ++out.counts.nonzero_macs;
          acc += wv * x[static_cast<size_t>(token * K + t.j0 + c)];
        }
        out.y[static_cast<size_t>(token * N + t.i0 + r)] += acc;
      }
      if (++token == M) ++done;
    }
    if (shadow < 0 && next_decode < queue.size()) {  // the decoders: up to `decoders` active rows
      const Tile& t = queue[next_decode];
      const size_t step = std::min<size_t>(static_cast<size_t>(decoders), t.active_rows.size() - rows_decoded);
      rows_decoded += step;
      out.counts.decoded_rows += static_cast<double>(step);
      if (rows_decoded == t.active_rows.size()) shadow = static_cast<long>(next_decode++), rows_decoded = 0;
    }
    if ((active < 0 || token == M) && shadow >= 0) {  // swap at the end of the cycle
      active = shadow;
      shadow = -1;
      token = 0;
      ++out.counts.tiles;
    }
  }
  return out;
}

}  // namespace edgemt::sim
