// The machine's fp32 FMA peak: what a GEMM could reach with every operand in registers. Benchmarks
// report it beside their GEMM figures (a GEMM's share of it is its efficiency).
#pragma once

#include "kernels/isa.h"

namespace edgemt::ops {

// GFLOP/s of independent FMA chains held in registers, summed over the current OpenMP threads: best
// of `reps` runs of `iters` steps per thread, on `isa`'s vectors (generic: what the compiler makes of
// a plain loop). `isa` must be supported.
double fma_peak_gflops(Isa isa, long iters, int reps);

}  // namespace edgemt::ops
