// Epilogue of the sm_90 GEMM: writes one consumer's 64 x BlkM fp32 accumulator tile either as
// Y (bias added in fp32, one rounding to the activation type) or, for split-K, as fp32
// partials that splitk_reduce.cuh sums in a fixed order (deterministic, no atomics).
//
// Accumulator layout of wgmma m64nNk16 (fp32), thread `lane` of warp w: for each 8-column
// chunk i, acc[4i + {0,1}] = (row 16w + lane/4,     col 8i + 2*(lane%4) + {0,1}),
//           acc[4i + {2,3}] = (row 16w + lane/4 + 8, same columns).
// Rows are weight rows (n), columns are tokens (m): the transposed problem.
#pragma once

#include <cstdint>

#include "kernels/act_float.cuh"
#include "kernels/gemm_params.h"
#include "mixgemm/types.h"

namespace mixgemm::kernels {

template <class Cfg>
__device__ __forceinline__ void store_accumulators(const GemmParams& p, const float (&acc)[Cfg::kBlkM / 2],
                                                   int64_t n_block, int64_t m0, int split) {
  const int t = threadIdx.x % 128;
  const int lane = t % 32;
  const int64_t n_lo = n_block + (t / 32) * 16 + lane / 4;
  const int64_t n_hi = n_lo + 8;
  const int col = 2 * (lane % 4);

  if (p.write_partials) {
    float* out = static_cast<float*>(p.out) + int64_t(split) * p.m * p.n;
#pragma unroll
    for (int i = 0; i < Cfg::kBlkM / 8; ++i) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int64_t m = m0 + 8 * i + col + h;
        if (m < p.m) {
          out[m * p.n + n_lo] = acc[4 * i + h];
          out[m * p.n + n_hi] = acc[4 * i + 2 + h];
        }
      }
    }
    return;
  }

  const float b_lo = p.bias ? act_to_float<Cfg::kAct>(p.bias[n_lo]) : 0.0f;
  const float b_hi = p.bias ? act_to_float<Cfg::kAct>(p.bias[n_hi]) : 0.0f;
  uint16_t* y = static_cast<uint16_t*>(p.out);
#pragma unroll
  for (int i = 0; i < Cfg::kBlkM / 8; ++i) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int64_t m = m0 + 8 * i + col + h;
      if (m < p.m) {
        y[m * p.ldy + n_lo] = float_to_act<Cfg::kAct>(acc[4 * i + h] + b_lo);
        y[m * p.ldy + n_hi] = float_to_act<Cfg::kAct>(acc[4 * i + 2 + h] + b_hi);
      }
    }
  }
}

}  // namespace mixgemm::kernels
