// Split-K reduction: Y[m, n] = round(sum_{s = 0..S-1} partial[s][m][n] + bias[n]).
// The sum runs in split order for every element, so results are bitwise reproducible (unlike
// atomic accumulation). Each thread handles 8 consecutive n: 16-byte output stores.
#pragma once

#include <cstdint>

#include "kernels/act_float.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"

namespace mixgemm::kernels {

template <ActType A>
__global__ void splitk_reduce_kernel(const SplitKReduceParams p) {
  // The partials are written by the GEMM kernel just before this one (PDL).
  ptx::grid_dependency_wait();
  ptx::launch_dependents();
  const int64_t vecs_per_row = p.n / 8;
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= p.m * vecs_per_row) return;
  const int64_t m = idx / vecs_per_row;
  const int64_t n = (idx % vecs_per_row) * 8;
  float acc[8];
#pragma unroll
  for (int v = 0; v < 8; ++v) acc[v] = 0.0f;
  for (int s = 0; s < p.splits; ++s) {
    const float4* src = reinterpret_cast<const float4*>(p.partials + (int64_t(s) * p.m + m) * p.n + n);
    const float4 a = src[0], b = src[1];
    acc[0] += a.x; acc[1] += a.y; acc[2] += a.z; acc[3] += a.w;
    acc[4] += b.x; acc[5] += b.y; acc[6] += b.z; acc[7] += b.w;
  }
  uint16_t out[8];
#pragma unroll
  for (int v = 0; v < 8; ++v) {
    const float bias = p.bias ? act_to_float<A>(p.bias[n + v]) : 0.0f;
    out[v] = float_to_act<A>(acc[v] + bias);
  }
  *reinterpret_cast<uint4*>(p.out + m * p.ldy + n) = *reinterpret_cast<const uint4*>(out);
}

}  // namespace mixgemm::kernels
