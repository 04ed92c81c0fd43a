// Parameters of one GEMM launch, built by the host dispatcher and passed by value
// (__grid_constant__) so the TMA descriptor lives in kernel-parameter space, where the copy
// engine may read it.
#pragma once

#include <cuda.h>  // CUtensorMap (type only; the encode entry point comes from the runtime)

#include <cstdint>

namespace mixgemm::kernels {

struct GemmParams {
  CUtensorMap x_map;          // X [m, k], box {64, BlkM}, 128-byte swizzle
  const uint8_t* weights;     // prepacked weight section
  const uint16_t* scales;     // prepacked scales  [N/64][groups][64]
  const uint16_t* zeros;      // prepacked zeros   [N/64][groups][64] or null
  const uint16_t* bias;       // [n] or null
  void* out;                  // Y [m, ldy] (activation type) or fp32 partials [splits][m][n]
  int64_t m, n, k, ldy;
  int group_size;
  int group_shift;            // log2(group_size) when a power of two (fast path), else -1
  int groups;                 // k / group_size
  int k_tiles_per_split;      // 64-deep K tiles each split reduces
  bool write_partials;        // split-K: write fp32 partials instead of Y
};

struct SplitKReduceParams {
  const float* partials;      // [splits][m][n]
  const uint16_t* bias;       // [n] or null
  uint16_t* out;              // Y [m, ldy]
  int64_t m, n, ldy;
  int splits;
};

}  // namespace mixgemm::kernels
