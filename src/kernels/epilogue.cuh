// Epilogue of the sm_90 GEMM: writes one consumer's 64 x BlkM fp32 accumulator tile as Y, the
// bias added in fp32 and one rounding to the activation type: token tiles of 128 and 256 through
// shared memory (StagedWriter), the others straight from registers (OutputWriter). Split-K
// tiles first go through splitk_reduce.cuh, which calls the same writers once the splits are
// summed.
//
// Accumulator layout of wgmma m64nNk16 (fp32), thread `lane` of warp w: for each 8-column
// chunk i, acc[4i + {0,1}] = (row 16w + lane/4,     col 8i + 2*(lane%4) + {0,1}),
//           acc[4i + {2,3}] = (row 16w + lane/4 + 8, same columns).
// Rows are weight rows (n), columns are tokens (m): the transposed problem.
#pragma once

#include <cstdint>

#include "kernels/act_float.cuh"
#include "kernels/gemm_params.h"
#include "kernels/sm90_ptx.cuh"
#include "kernels/staged_layout.h"
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

// Token tiles of 128 and 256 (one CTA per SM): each consumer warp turns its 16 weight rows x 64
// tokens around through shared memory, so that Y is written in 16-byte runs of 8 weight rows,
// two per token (one full 32-byte sector), instead of 2-byte stores that fill half sectors:
// per thread and 64 tokens 4 stmatrix, 4 shared loads and 4 stores instead of 32 stores, while
// the tensor pipes idle. stmatrix.trans stores the accumulator fragment transposed, each
// stored row one token's 8 weight rows; the staging layout, conflict-free for both the stores
// and the read-back, is staged_layout.h (checked on the CPU: tests/cpu/test_staged_layout.cpp).
// The 16-byte stores rely on mm()'s contract: y 16-byte aligned, ldy a multiple of 8
// (validate.cpp).
template <class Cfg>
struct StagedWriter {
  static constexpr int kGroupTokens = staged::kGroupTokens;
  static constexpr int kGroups = Cfg::kBlkM / kGroupTokens;
  static constexpr int kStagingBytes = staged::kWarpStagingBytes;  // per consumer warp
  static_assert(Cfg::kBlkM % kGroupTokens == 0, "whole 64-token groups");
  static_assert(Cfg::kEpilogueBytes >= Cfg::kConsumers * 4 * kStagingBytes, "staging for every consumer warp");

  // This warp's staging, twice: the pointer for the read-back, whose plain loads ptxas schedules
  // freely, and the shared-memory address for stmatrix. One form only (the address read back
  // through an asm load, or the pointer converted at each stmatrix) cost the 128- and 256-token
  // kernels 50-120 instructions, and the asm load a 20-byte spill (ptxas, CUDA 13.0).
  const uint8_t* staging_ptr;
  uint32_t staging;
  uint16_t* y;      // Y at this lane's first read-back token and 8 weight rows
  int64_t y_step;   // 16 tokens of Y: 16 ldy elements, which may pass 2^31 (ldy is not bounded)
  int tokens_left;  // token columns from the tile's first to the end of M, at most BlkM
  float b_lo, b_hi;

  __device__ __forceinline__ StagedWriter(const GemmParams& p, int64_t n_block, int64_t m0, uint8_t* smem) {
    const int t = threadIdx.x % 128;
    const int warp = t / 32, lane = t % 32;
    const int consumer = threadIdx.x / 128 - 1;
    staging_ptr = smem + Cfg::kEpilogueOffset + (consumer * 4 + warp) * kStagingBytes;
    staging = ptx::smem_u32(staging_ptr);
    const int n_warp = int(n_block) + 16 * warp;  // this warp's 16 weight rows
    b_lo = p.bias ? act_to_float<Cfg::kAct>(p.bias[n_warp + lane / 4]) : 0.0f;
    b_hi = p.bias ? act_to_float<Cfg::kAct>(p.bias[n_warp + lane / 4 + 8]) : 0.0f;
    const int64_t left = p.m - m0;
    tokens_left = left < Cfg::kBlkM ? int(left) : Cfg::kBlkM;
    // Read-back: lane `lane` moves half read_half(lane) of tokens read_token(j, lane).
    y = p.y + (m0 + staged::read_token(0, lane)) * p.ldy + n_warp + 8 * staged::read_half(lane);
    y_step = 16 * p.ldy;
  }

  // Tokens [64 g + 16 pair, + 16) of the current group into the staging: v[j] = the accumulator
  // chunk of 8-token column 2 pair + j of the group. A group's four pairs, then flush(g).
  __device__ __forceinline__ void stage_pair(int pair, const float (&v)[2][4]) {
    const int lane = threadIdx.x % 32;
    uint32_t r[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int h = i % 2;
      const float b = h ? b_hi : b_lo;
      r[i] = pack_act2<Cfg::kAct>(v[i / 2][2 * h] + b, v[i / 2][2 * h + 1] + b);
    }
    ptx::stmatrix_x4_trans(staging + staged::offset(staged::stored_token(pair, lane), staged::stored_half(lane)), r[0],
                           r[1], r[2], r[3]);
  }

  // Writes the staged tokens [64 g, 64 g + 64) to Y. Groups in order g = 0, 1, ...: the Y
  // address advances.
  __device__ __forceinline__ void flush(int g) {
    const int lane = threadIdx.x % 32;
    __syncwarp();
    // Read back in 16-byte pieces, two per token (weight rows 0-7 and 8-15 of the warp).
#pragma unroll
    for (int j = 0; j < kGroupTokens / 16; ++j) {
      const int token = staged::read_token(j, lane);
      const uint4 w = *reinterpret_cast<const uint4*>(staging_ptr + staged::offset(token, staged::read_half(lane)));
      if (g * kGroupTokens + token < tokens_left) *reinterpret_cast<uint4*>(y) = w;
      y += y_step;
    }
    __syncwarp();  // the staging is rewritten by the next group
  }

  // Tokens [64 g, 64 g + 64) of the tile: v[j] = the accumulator chunk of 8-token column 8 g + j
  // (acc[4 (8 g + j) .. + 3]).
  __device__ __forceinline__ void store_group(int g, const float (&v)[8][4]) {
#pragma unroll
    for (int pair = 0; pair < kGroupTokens / 16; ++pair) {
      const float two[2][4] = {{v[2 * pair][0], v[2 * pair][1], v[2 * pair][2], v[2 * pair][3]},
                               {v[2 * pair + 1][0], v[2 * pair + 1][1], v[2 * pair + 1][2], v[2 * pair + 1][3]}};
      stage_pair(pair, two);
    }
    flush(g);
  }
};

template <class Cfg>
__device__ __forceinline__ void store_accumulators(const GemmParams& p, const float (&acc)[Cfg::kBlkM / 2],
                                                   int64_t n_block, int64_t m0, uint8_t* smem) {
  if constexpr (Cfg::kEpilogueStaging) {
    StagedWriter<Cfg> out(p, n_block, m0, smem);
#pragma unroll
    for (int g = 0; g < StagedWriter<Cfg>::kGroups; ++g) {
      float v[8][4];
#pragma unroll
      for (int j = 0; j < 8; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) v[j][e] = acc[4 * (8 * g + j) + e];
      out.store_group(g, v);
    }
  } else {
    const OutputWriter<Cfg> out(p, n_block, m0);
#pragma unroll
    for (int i = 0; i < Cfg::kBlkM / 8; ++i) {
      const float v[4] = {acc[4 * i], acc[4 * i + 1], acc[4 * i + 2], acc[4 * i + 3]};
      out.store_chunk(p, i, v);
    }
  }
}

}  // namespace mixgemm::kernels
