// Epilogue of the sm_90 GEMM: writes one consumer's 64 x BlkM fp32 accumulator tile as Y, the
// bias added in fp32 and one rounding to the activation type. (Split-K tiles first go through
// splitk_reduce.cuh, which calls the same writer once the splits are summed.)
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

// Where one consumer thread's accumulator values land in Y.
template <class Cfg>
struct OutputWriter {
  uint16_t* y_row;  // Y row of this thread's first token column
  int n_lo, n_hi;   // weight rows (n < 2^31, checked on the host)
  int rows_left;    // token columns from m_col to the end of M, at most BlkM: tails are compared
                    // against small constants, not 64-bit token indices held in registers
  float b_lo, b_hi;

  __device__ __forceinline__ OutputWriter(const GemmParams& p, int64_t n_block, int64_t m0) {
    const int t = threadIdx.x % 128;
    const int lane = t % 32;
    n_lo = int(n_block) + (t / 32) * 16 + lane / 4;
    n_hi = n_lo + 8;
    const int64_t m_col = m0 + 2 * (lane % 4);
    const int64_t left = p.m - m_col;
    rows_left = left < Cfg::kBlkM ? int(left) : Cfg::kBlkM;
    y_row = p.y + m_col * p.ldy;
    b_lo = p.bias ? act_to_float<Cfg::kAct>(p.bias[n_lo]) : 0.0f;
    b_hi = p.bias ? act_to_float<Cfg::kAct>(p.bias[n_hi]) : 0.0f;
  }

  // Chunk i of the accumulator: v = acc[4i .. 4i + 3], token columns m_col + 8i + {0, 1}.
  __device__ __forceinline__ void store_chunk(const GemmParams& p, int i, const float (&v)[4]) const {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      if (8 * i + h < rows_left) {
        uint16_t* row = y_row + (8 * i + h) * p.ldy;
        row[n_lo] = float_to_act<Cfg::kAct>(v[h] + b_lo);
        row[n_hi] = float_to_act<Cfg::kAct>(v[2 + h] + b_hi);
      }
    }
  }
};

template <class Cfg>
__device__ __forceinline__ void store_accumulators(const GemmParams& p, const float (&acc)[Cfg::kBlkM / 2],
                                                   int64_t n_block, int64_t m0) {
  const OutputWriter<Cfg> out(p, n_block, m0);
#pragma unroll
  for (int i = 0; i < Cfg::kBlkM / 8; ++i) {
    const float v[4] = {acc[4 * i], acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]};
    out.store_chunk(p, i, v);
  }
}

}  // namespace mixgemm::kernels
